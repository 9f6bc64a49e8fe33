package dev.vgpio.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import dev.vgpio.device.GpioController;
import dev.vgpio.device.VirtioGpioDevice;
import dev.vgpio.driver.EdgeEvent;
import dev.vgpio.driver.GpioChip;
import dev.vgpio.driver.LineRequest;
import dev.vgpio.driver.LineSettings;
import dev.vgpio.lines.PickedLines;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.monitor.Monitor;
import dev.vgpio.protocol.IrqType;
import dev.vgpio.vhostuser.VhostUserFrontend;
import dev.vgpio.vhostuser.VhostUserServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web panel in a real browser: Debian's headless Chromium, driven by Selenium through Debian's chromedriver
 * (nothing downloaded), shows a simulated device served over vhost-user to the Java driver as its guest, as the
 * daemon serves one: what the guest does shows on the page within a second, and what a click does reaches the guest
 * within a second. Saves a screenshot of the panel to {@code target/panel.png}.
 */
class PanelBrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Duration ONE_SECOND = Duration.ofSeconds(1);
    private static final Duration GUEST_TIMEOUT = Duration.ofSeconds(5);
    private static final Path SCREENSHOT = Path.of("target", "panel.png");
    private static final int WIDTH = 1280;
    private static final int HEIGHT = 800;

    private static ChromeDriver browser;

    @TempDir
    Path dir;

    private final SimulatedChip board = new SimulatedChip("board", List.of("LED", "BUTTON", "RESET", "MOTOR"));
    private final SimulatedChip sensors = new SimulatedChip("sensors", List.of("SENSOR"));
    private final SimulatedChip relays = new SimulatedChip("relays", List.of("RELAY")); // stands for a host chip
    private final Monitor monitor = new Monitor();
    private final List<AutoCloseable> running = new ArrayList<>();
    private WebServer web;
    private GpioChip guest;

    @BeforeAll
    static void startBrowser() {
        for (Path tool : List.of(CHROMIUM, CHROMEDRIVER)) {
            if (!Files.isExecutable(tool)) {
                fail(tool + " is missing: the panel's browser test needs Debian's chromium and chromium-driver;"
                        + " run scripts/install-test-tools.sh (as root) to install them");
            }
        }
        // never Selenium Manager: with the driver given it is not run, and it would be told to stay offline anyway
        // (not a ChromeDriverService.Builder: its class file makes javac warn about an annotation it cannot find)
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
        System.setProperty("SE_OFFLINE", "true");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                "--window-size=" + WIDTH + "," + HEIGHT, "--hide-scrollbars", "--no-first-run",
                "--disable-background-networking", "--disable-sync", "--disable-component-update",
                "--disable-default-apps", "--force-color-profile=srgb", "--lang=en-US");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, java.util.logging.Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        browser = new ChromeDriver(options);
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @BeforeEach
    void serve() throws Exception {
        Path socket = dir.resolve("gpio0.sock");
        GpioController controller = new GpioController(board);
        monitor.watch("gpio0", socket, controller, board, null);
        Path mixedSocket = dir.resolve("gpio1.sock");
        PickedLines mixed = new PickedLines("mixed", List.of(new PickedLines.Pick(relays, 0, "RELAY"),
                new PickedLines.Pick(sensors, 0, "SENSOR")));
        GpioController mixedController = new GpioController(mixed);
        monitor.watch("gpio1", mixedSocket, mixedController, sensors, null);
        monitor.start();
        running.add(new VhostUserServer(socket, new VirtioGpioDevice(controller), "gpio0").start());
        running.add(new VhostUserServer(mixedSocket, new VirtioGpioDevice(mixedController), "gpio1").start());
        web = WebServer.start(new HttpOptions("127.0.0.1", 0, null), monitor);
        guest = GpioChip.open(VhostUserFrontend.connect(socket, GUEST_TIMEOUT, 1 << 20),
                new GpioChip.Options(GUEST_TIMEOUT, 256, true));
    }

    @AfterEach
    void stop() {
        if (browser != null) {
            browser.get("about:blank"); // before the server stops: the page would try to reconnect
        }
        if (guest != null) {
            guest.close();
        }
        if (web != null) {
            web.close();
        }
        for (AutoCloseable c : running.reversed()) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        monitor.close();
    }

    @Test
    void thePanelShowsTheGuestsLinesLiveAndDrivesTheSimulatedInputs() throws Exception {
        open();
        assertThat(browser.findElements(By.cssSelector("section.device")).stream()
                .map(e -> e.getDomAttribute("data-device")).toList()).containsExactly("gpio0", "gpio1");
        assertThat(text(row("gpio0", 1), "th")).contains("BUTTON");

        // the guest's output, on the page within a second
        LineRequest led = guest.requestLines(LineSettings.output(0), 0);
        led.setValue(0, 1);
        within(ONE_SECOND, "LED shows 1, driven by the guest", d -> "1".equals(attr(row("gpio0", 0), "data-level"))
                && "output".equals(attr(row("gpio0", 0), "data-direction")));
        assertThat(text(row("gpio0", 0), "[data-field=level]")).isEqualTo("1");
        assertThat(text(row("gpio0", 0), "[data-field=driver]")).isEqualTo("guest");
        WebElement ledSwitch = control("gpio0", 0, "switch");
        assertThat(ledSwitch.isEnabled()).as("the guest's output cannot be driven").isFalse();
        assertThat(ledSwitch.getDomProperty("title")).contains("the guest's output");
        assertThat(control("gpio0", 0, "press").isEnabled()).isFalse();

        // the switch drives the simulated input the guest reads
        LineRequest button = guest.requestLines(LineSettings.input(IrqType.EDGE_BOTH), 1);
        within(ONE_SECOND, "BUTTON shows as an input with edge interrupts",
                d -> "input".equals(attr(row("gpio0", 1), "data-direction"))
                        && text(row("gpio0", 1), "[data-field=irq]").startsWith("edge-both"));
        WebElement buttonSwitch = control("gpio0", 1, "switch");
        assertThat(buttonSwitch.getDomAttribute("aria-checked")).isEqualTo("false");
        buttonSwitch.click();
        await("the guest reads BUTTON as 1").atMost(ONE_SECOND).pollInterval(Duration.ofMillis(10))
                .until(() -> button.getValue(1) == 1);
        assertThat(edge(button)).isEqualTo(EdgeEvent.Type.RISING);
        within(ONE_SECOND, "the switch is on", d -> "true".equals(control("gpio0", 1, "switch")
                .getDomAttribute("aria-checked")) && "host".equals(attr(row("gpio0", 1), "data-driver")));

        // the press button pulses it: the guest gets both edges
        within(ONE_SECOND, "the press button is ready", d -> control("gpio0", 1, "press").isEnabled());
        control("gpio0", 1, "press").click();
        assertThat(edge(button)).isEqualTo(EdgeEvent.Type.FALLING);
        assertThat(edge(button)).isEqualTo(EdgeEvent.Type.RISING);
        assertThat(button.getValue(1)).isEqualTo(1);

        // a square wave runs until stopped and a burst ends, while the guest blinks LED: waveforms to see
        LineRequest reset = guest.requestLines(LineSettings.input(IrqType.EDGE_BOTH), 2);
        control("gpio0", 2, "square").click();
        within(ONE_SECOND, "RESET runs a square wave", d -> "square".equals(attr(row("gpio0", 2), "data-stimulus")));
        assertThat(monitor.stimuli().running(monitor.device("gpio0"), 2)).isPresent();
        assertThat(control("gpio0", 2, "switch").isEnabled()).as("a running stimulus blocks the switch").isFalse();
        control("gpio0", 3, "toggle").click(); // a burst of 10 toggles every 100 ms on the released MOTOR
        within(ONE_SECOND, "MOTOR runs a burst", d -> "toggle".equals(attr(row("gpio0", 3), "data-stimulus")));
        for (int i = 0; i < 8; i++) {
            led.setValue(0, i % 2);
            Thread.sleep(250);
        }
        within(ONE_SECOND, "the burst ended by itself", d -> "".equals(attr(row("gpio0", 3), "data-stimulus"))
                && control("gpio0", 3, "toggle").getText().equals("Burst"));
        assertThat(board.drivenLevel(3)).as("10 toggles: back where it was").isZero();
        within(ONE_SECOND, "LED shows its last level", d -> "1".equals(attr(row("gpio0", 0), "data-level")));
        int edges = 0;
        while (reset.readEvent(Duration.ZERO) != null) {
            edges++;
        }
        assertThat(edges).as("the guest saw the square wave (2 s of a 200 ms period)").isGreaterThanOrEqualTo(8);
        assertThat(reset.getValue(2)).isBetween(0, 1);

        // a real host line is never driven
        WebElement relay = control("gpio1", 0, "switch");
        assertThat(relay.isEnabled()).isFalse();
        assertThat(relay.getDomProperty("title")).contains("real host line");
        assertThat(control("gpio1", 1, "switch").isEnabled()).as("the mixed device's simulated line").isTrue();

        assertThat(browser.findElements(By.cssSelector("#messages .message"))).as("no errors shown").isEmpty();
        within(ONE_SECOND, "the log shows the guest's requests", d -> {
            String log = d.findElement(By.cssSelector("[data-device=gpio0] [data-field=log]")).getText();
            return log.contains("LED SET_VALUE 1 → ok") && log.contains("RESET GET_VALUE → ");
        });
        screenshot();

        control("gpio0", 2, "square").click();
        within(ONE_SECOND, "the square wave stops", d -> "".equals(attr(row("gpio0", 2), "data-stimulus")));
        await().atMost(ONE_SECOND).until(() -> monitor.stimuli().running(monitor.device("gpio0"), 2).isEmpty());
        assertThat(errorsInTheConsole()).isEmpty();
        assertThat(resourcesLoaded()).as("nothing from another site").isNotEmpty()
                .allMatch(url -> url.startsWith(web.url()));
    }

    @Test
    void withATokenThePanelLogsInOnceByItsLink() throws Exception {
        String token = "a-token-for-the-browser-test";
        try (WebServer guarded = WebServer.start(new HttpOptions("127.0.0.1", 0, token), monitor)) {
            errorsInTheConsole(); // a page of before
            browser.get(guarded.url());
            assertThat(browser.findElement(By.tagName("body")).getText()).contains("needs its token");
            assertThat(errorsInTheConsole()).as("the page and its icon, refused").allMatch(e -> e.contains(" 401 "));
            browser.get(guarded.url() + "?token=" + token);
            assertThat(browser.getCurrentUrl()).as("the token leaves the address bar").isEqualTo(guarded.url());
            within(Duration.ofSeconds(5), "the panel is live", d -> "live".equals(attr(status(), "data-state")));
            LineRequest led = guest.requestLines(LineSettings.output(1), 0);
            within(ONE_SECOND, "LED shows 1", d -> "1".equals(attr(row("gpio0", 0), "data-level")));
            led.close();
            control("gpio0", 1, "switch").click();
            await("the click drove BUTTON").atMost(ONE_SECOND).until(() -> board.drivenLevel(1) == 1);
            assertThat(errorsInTheConsole()).isEmpty();
        } finally {
            browser.get("about:blank");
            browser.manage().deleteAllCookies();
        }
    }

    @Test
    void thePanelReconnectsWhenTheStreamDropsAndShowsWhatTheApiRefused() throws Exception {
        open();
        web.stream().close(); // as when the daemon stops: every subscriber closed (1001)
        within(ONE_SECOND, "the page says it lost the stream", d -> "lost".equals(attr(status(), "data-state")));
        assertThat(status().getText()).contains("Disconnected").contains("the daemon stopped")
                .contains("Reconnecting");
        within(Duration.ofSeconds(3), "the page reconnects", d -> "live".equals(attr(status(), "data-state")));
        LineRequest led = guest.requestLines(LineSettings.output(1), 0);
        within(ONE_SECOND, "LED shows 1 after the reconnection",
                d -> "1".equals(attr(row("gpio0", 0), "data-level")));
        led.close();

        // a press shorter than the device allows: the API's own words on the page
        browser.findElement(By.cssSelector("[data-device=gpio0] details.settings summary")).click();
        WebElement width = browser.findElement(By.cssSelector("[data-device=gpio0] [data-setting=pulseMs]"));
        width.clear();
        width.sendKeys("0.01", Keys.TAB);
        control("gpio0", 1, "press").click();
        within(ONE_SECOND, "the refusal shows", d -> !d.findElements(By.cssSelector("#messages .message")).isEmpty());
        assertThat(browser.findElement(By.cssSelector("#messages .message")).getText())
                .contains("BUTTON").contains("width must be from 100 us");
        assertThat(board.drivenLevel(1)).as("nothing was driven").isZero();

        // the keyboard works the switches: Space on the focused switch
        control("gpio1", 1, "switch").sendKeys(Keys.SPACE);
        await("Space drove SENSOR").atMost(ONE_SECOND).until(() -> sensors.drivenLevel(0) == 1);
    }

    /** Saves the panel, the window made as tall as the page. */
    private static void screenshot() throws IOException {
        Object height = browser.executeScript("return document.documentElement.scrollHeight"
                + " + window.outerHeight - window.innerHeight");
        browser.manage().window().setSize(new Dimension(WIDTH, ((Number) height).intValue()));
        try {
            Files.createDirectories(SCREENSHOT.getParent());
            Files.write(SCREENSHOT, browser.getScreenshotAs(OutputType.BYTES));
        } finally {
            browser.manage().window().setSize(new Dimension(WIDTH, HEIGHT));
        }
    }

    /** Loads the panel and waits for its first snapshot. */
    private void open() {
        errorsInTheConsole(); // a page of before
        browser.get(web.url());
        within(Duration.ofSeconds(10), "the panel is live", d -> "live".equals(attr(status(), "data-state")));
    }

    private static WebElement status() {
        return browser.findElement(By.id("status"));
    }

    private static WebElement row(String device, int line) {
        return browser.findElement(By.cssSelector("tr[data-device='" + device + "'][data-line='" + line + "']"));
    }

    private static WebElement control(String device, int line, String action) {
        return row(device, line).findElement(By.cssSelector("button[data-action='" + action + "']"));
    }

    private static String attr(WebElement e, String name) {
        return e.getDomAttribute(name);
    }

    private static String text(WebElement e, String selector) {
        return e.findElement(By.cssSelector(selector)).getText().strip();
    }

    /** Waits for {@code condition}, checking every 20 ms, rows found afresh each time (a reconnection redraws). */
    private static void within(Duration timeout, String what, Function<WebDriver, Boolean> condition) {
        new WebDriverWait(browser, timeout, Duration.ofMillis(20)).withMessage(what)
                .ignoring(StaleElementReferenceException.class).until(condition);
    }

    /** The next edge the guest sees on {@code request} within a second. */
    private static EdgeEvent.Type edge(LineRequest request) throws InterruptedException {
        EdgeEvent e = request.readEvent(ONE_SECOND);
        assertThat(e).as("an edge within a second").isNotNull();
        return e.type();
    }

    /** The address of every resource the page loaded (its files and the API calls; not the WebSocket). */
    private static List<String> resourcesLoaded() {
        Object urls = browser.executeScript("return performance.getEntriesByType('resource').map(e => e.name)"
                + ".concat([...document.querySelectorAll('[src], [href]')].map(e => e.src || e.href))");
        return ((List<?>) urls).stream().map(String::valueOf).toList();
    }

    /** What the page logged as errors: a script failure, a refused resource, a broken Content-Security-Policy. */
    private static List<String> errorsInTheConsole() {
        return browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= java.util.logging.Level.SEVERE.intValue())
                .map(LogEntry::getMessage).toList();
    }
}
