package dev.vgpio.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vgpio.lines.pick.LineSpec;
import dev.vgpio.protocol.LineCaps;
import dev.vgpio.lines.pick.LineSpec.HostLineName;
import dev.vgpio.lines.pick.LineSpec.HostLines;
import dev.vgpio.lines.pick.LineSpec.Simulated;
import dev.vgpio.lines.pick.LineSpecException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServeConfigTest {
    @TempDir
    Path dir;

    private List<DeviceSpec> load(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, text);
        return ServeConfig.load(file);
    }

    private AbstractThrowableAssert<?, ? extends Throwable> refused(String name, String text) {
        return assertThatThrownBy(() -> load(name, text)).isInstanceOf(IOException.class)
                .hasMessageStartingWith("config file " + dir.resolve(name));
    }

    /** The first fenced block of {@code language} after "A complete example" in docs/config.md. */
    private static String example(String language) throws IOException {
        String doc = Files.readString(Path.of("../docs/config.md"));
        String section = doc.substring(doc.indexOf("### A complete example"));
        Matcher m = Pattern.compile("```" + language + "\n(.*?)```", Pattern.DOTALL).matcher(section);
        assertThat(m.find()).as("a %s block in docs/config.md", language).isTrue();
        return m.group(1);
    }

    @Test
    void capsSaysWhatADevicesSimulatedLinesTake() throws IOException {
        assertThat(load("c.yaml", """
                devices:
                  - socket: a.sock
                    chip: sim:2
                    caps: pull-up,debounce
                  - socket: b.sock
                    lines: [LED, BUTTON]
                    caps: none
                  - socket: c.sock
                """)).extracting(DeviceSpec::simCaps)
                .containsExactly(LineCaps.PULL_UP | LineCaps.DEBOUNCE, 0, null);
        refused("bad.yaml", "devices:\n  - socket: a.sock\n    caps: pull-sideways\n")
                .hasMessageContaining("\"caps\": 'pull-sideways' is not a line capability");
    }

    @Test
    void listenServesADeviceOverTheChannelToo() throws IOException {
        assertThat(load("l.yaml", """
                devices:
                  - socket: a.sock
                    listen: tcp:127.0.0.1:7000
                  - socket: b.sock
                """)).extracting(DeviceSpec::listen).containsExactly("tcp:127.0.0.1:7000", null);
        refused("bad.yaml", "devices:\n  - socket: a.sock\n    listen: carrier-pigeon:1\n")
                .hasMessageContaining("\"listen\": 'carrier-pigeon:' is not a kind of channel");
    }

    @Test
    void theDocumentedExampleIsTheSameDevicesInEachFormat() throws IOException {
        List<DeviceSpec> json = load("devices.json", example("json"));
        assertThat(json).containsExactly(
                new DeviceSpec(Path.of("/run/vgpio/board.sock"), LineSpec.parse("gpiochip0 3,5-7 sim:BUTTON"),
                        List.of("LED", "", "", "RELAY")),
                new DeviceSpec(dir.resolve("bench.sock"), new LineSpec(List.of(
                        new HostLines("gpiochip1", List.of(2)), new HostLineName("RESET_N"),
                        new Simulated("bench", List.of("DOOR", "")))), List.of("MOTOR")),
                new DeviceSpec(dir.resolve("old.sock"), LineSpec.parse("sim:LED,BUTTON,,RESET@board"), List.of()),
                new DeviceSpec(dir.resolve("counted.sock"), LineSpec.parse("sim:16@counted"), List.of()),
                new DeviceSpec(dir.resolve("demo.sock"), LineSpec.DEMO, List.of()));
        assertThat(load("devices.yaml", example("yaml"))).isEqualTo(json);
        assertThat(load("devices.yml", example("yaml"))).isEqualTo(json);
        assertThat(load("devices.toml", example("toml"))).isEqualTo(json);
        assertThat(load("DEVICES.TOML", example("toml"))).as("the ending in any case").isEqualTo(json);
    }

    @Test
    void theFormatIsTheFileNamesEndingAndJsonOtherwise() throws IOException {
        String yaml = "devices:\n  - socket: a.sock\n";
        assertThat(load("x.yaml", yaml)).hasSize(1);
        refused("x.json", yaml).hasMessageContaining("Unrecognized token");
        refused("x.conf", yaml).hasMessageContaining("Unrecognized token");
        assertThat(load("x.conf", "{\"devices\": [{\"socket\": \"a.sock\", \"chip\": \"sim:2\"}]}").getFirst()
                .lines()).isEqualTo(LineSpec.parse("sim:2"));
    }

    @Test
    void socketsAreRelativeToTheFilesDirectory() throws IOException {
        Files.createDirectory(dir.resolve("etc"));
        Path file = dir.resolve("etc/devices.toml");
        Files.writeString(file, """
                [[devices]]
                socket = "a.sock"
                [[devices]]
                socket = "../run/b.sock"
                [[devices]]
                socket = "/abs/c.sock"
                """);
        assertThat(ServeConfig.load(file)).extracting(DeviceSpec::socket).containsExactly(
                dir.resolve("etc/a.sock"), dir.resolve("etc/../run/b.sock"), Path.of("/abs/c.sock"));
    }

    @Test
    void aLabelRelabelsASimulatedChipOnly() throws IOException {
        assertThat(load("a.json", "{\"devices\": [{\"socket\": \"a\", \"chip\": \"sim@x\", \"label\": \"y\"}]}")
                .getFirst().lines()).isEqualTo(LineSpec.parse("sim@y"));
        refused("b.json", "{\"devices\": [{\"socket\": \"a\", \"chip\": \"gpiochip0 1\", \"label\": \"y\"}]}")
                .hasMessageContaining("device 0: \"label\" is the label of a simulated chip, and \"chip\" is not one");
        refused("c.json", "{\"devices\": [{\"socket\": \"a\", \"label\": \"y\", \"lines\": [{\"line\": \"A\"}]}]}")
                .hasMessageContaining("\"label\" is the label of the simulated lines");
    }

    @Test
    void stringsAndObjectsMixInLineOrder() throws IOException {
        DeviceSpec d = load("m.yaml", """
                devices:
                  - socket: m.sock
                    lines: [A, {chip: /dev/gpiochip2, offset: 0}, B, C, {line: X, name: Y}, null]
                """).getFirst();
        assertThat(d.lines().parts()).containsExactly(new Simulated("vgpio-sim", List.of("A")),
                new HostLines("/dev/gpiochip2", List.of(0)), new Simulated("vgpio-sim", List.of("B", "C")),
                new HostLineName("X"), new Simulated("vgpio-sim", List.of("")));
        assertThat(d.names()).as("without the last, empty, one").containsExactly("", "", "", "", "Y");
    }

    @Test
    void theChipKeyTakesAWholeSpecAndNamesRenameIt() throws IOException {
        DeviceSpec d = load("c.json", "{\"devices\": [{\"socket\": \"s\", \"chip\": \"sim:A gpiochip0 1-2 LED\","
                + " \"names\": [\"\", null, \"B\"]}]}").getFirst();
        assertThat(d.lines()).isEqualTo(LineSpec.parse("sim:A gpiochip0 1-2 LED"));
        assertThat(d.names()).containsExactly("", "", "B");
    }

    @Test
    void errorsNameTheFileLineDeviceAndEntry() {
        refused("e.json", """
                {"devices": [
                  {"socket": "a"},
                  {"socket": "b",
                   "lines": [
                     "A",
                     {"chip": "gpiochip1"}
                   ]}
                ]}""").hasMessage("config file " + dir.resolve("e.json") + ":6, device 1, \"lines\" entry 1:"
                + " \"chip\" needs an \"offset\" (for a whole chip, give the device \"chip\": \"gpiochip1\" instead"
                + " of \"lines\")");
        refused("e.yaml", """
                devices:
                  - socket: a
                  - socket: b
                    chip: gpiochip0 3 5
                """).hasMessageStartingWith("config file " + dir.resolve("e.yaml") + ":3, device 1: \"chip\":"
                + " invalid line spec 'gpiochip0 3 5': offsets '5' follow no host chip");
        refused("e.toml", "devices = [{socket = \"a\"}, {socket = \"b\"}, {socket = \"c\", lines = [\"A\", \"A\"]}]")
                .hasMessage("config file " + dir.resolve("e.toml") + ", device 2, \"lines\" entries 0 to 1 (a"
                + " simulated chip): invalid simulated chip 'vgpio-sim': duplicate line name \"A\" on lines 0 and 1")
                .cause().isInstanceOf(LineSpecException.class);
    }

    @Test
    void mappingErrorsNameTheDeviceAndTheEntryToo() {
        refused("u.json", "{\"devices\": [{\"socket\": \"a\"},\n {\"socket\": \"b\", \"colour\": \"red\"}]}")
                .hasMessageContaining("u.json:2, device 1, \"colour\": unknown key \"colour\" (the keys here are \"caps\", \"chip\","
                        + " \"label\", \"lines\", \"listen\", \"names\", \"socket\")");
        refused("u.yaml", "devices:\n  - socket: a\n    lines:\n      - A\n      - {chip: x, offset: 1, pin: 3}\n")
                .hasMessageContaining("u.yaml:5, device 0, \"lines\" entry 1, \"pin\": unknown key \"pin\" (the keys here"
                        + " are \"chip\", \"line\", \"name\", \"offset\")");
        refused("k.yaml", "devices:\n  - socket: a\n    colour: red\n    chip: sim\n    label: x\n")
                .as("the key's own line, not the end of its entry")
                .hasMessageContaining("k.yaml:3, device 0, \"colour\": unknown key \"colour\"");
        refused("k.json", "{\"devices\": [\n {\"socket\": \"a\",\n  \"colour\": \"red\",\n  \"chip\": \"sim\"\n }\n]}")
                .hasMessageContaining("k.json:3, device 0, \"colour\": unknown key");
        refused("k.toml", "[[devices]]\nsocket = \"a\"\ncolour = \"red\"\n")
                .hasMessageContaining("k.toml:3, device 0, \"colour\": unknown key");
        refused("t.json", "{\"devices\": [{\"socket\": \"a\", \"lines\": [[\"A\"]]}]}")
                .hasMessageContaining("device 0, \"lines\" entry 0: a \"lines\" entry is a string (a simulated"
                        + " line's name) or an object");
        refused("f.json", "{\"devices\": [{\"socket\": \"a\", \"lines\": [{\"chip\": \"x\", \"offset\": 1.5}]}]}")
                .hasMessageContaining("\"offset\"");
        refused("b.json", "{\"devices\": [{\"socket\": \"a\", \"lines\": [{\"chip\": \"x\","
                + " \"offset\": 4294967296}]}]}")
                .hasMessageContaining("\"offset\"");
    }

    @Test
    void aKeyGivenTwiceIsAnError() {
        refused("d.json", "{\"devices\": [{\"socket\": \"a\", \"socket\": \"b\"}]}")
                .hasMessageContaining("Duplicate field 'socket'");
        refused("d.yaml", "devices:\n  - socket: a\n    chip: sim\n    chip: sim:2\n")
                .hasMessageContaining("Duplicate field 'chip'");
        refused("d.toml", "[[devices]]\nsocket = \"a\"\nsocket = \"b\"\n")
                .hasMessageContaining("Duplicate key").hasMessageContaining("d.toml:4:");
    }

    @Test
    void anObjectEntryIsOneHostLineGivenOneWay() {
        String template = "{\"devices\": [{\"socket\": \"a\", \"lines\": [%s]}]}";
        refused("o.json", template.formatted("{\"chip\": \"x\", \"offset\": 1, \"line\": \"L\"}"))
                .hasMessageEndingWith("device 0, \"lines\" entry 0: give \"chip\" and \"offset\", or \"line\","
                        + " not both");
        refused("o.json", template.formatted("{\"offset\": 1}")).hasMessageEndingWith("\"offset\" needs a \"chip\"");
        refused("o.json", template.formatted("{\"name\": \"N\"}"))
                .hasMessageContaining("give \"chip\" and \"offset\", or \"line\" (a \"lines\" entry is");
        refused("o.json", template.formatted("{\"chip\": \"sim:2\", \"offset\": 1}"))
                .hasMessageEndingWith("an object is a host line; a simulated line is a string entry");
        refused("o.json", template.formatted("{\"chip\": \"x\", \"offset\": 70000}"))
                .hasMessageContaining("offset 70000 of host chip 'x' is not within 0 to 65534");
        refused("o.json", template.formatted("{\"chip\": \"x\", \"offset\": -1}"))
                .hasMessageContaining("offset -1 of host chip 'x'");
        refused("o.json", template.formatted("{\"chip\": \"gpiochip0 3\", \"offset\": 1}"))
                .hasMessageContaining("holds white space");
        refused("o.json", template.formatted("{\"line\": \"\"}")).hasMessageContaining("host line name is empty");
        refused("o.json", template.formatted("")).hasMessageEndingWith("device 0: \"lines\" is empty");
    }

    @Test
    void keysThatDoNotGoTogetherAreRefused() {
        refused("k.json", "{\"devices\": [{\"socket\": \"a\", \"chip\": \"sim\", \"lines\": [\"A\"]}]}")
                .hasMessageEndingWith("device 0: give either \"chip\" or \"lines\", not both");
        refused("k.json", "{\"devices\": [{\"socket\": \"a\", \"names\": [\"X\"], \"lines\": [\"A\"]}]}")
                .hasMessageContaining("\"names\" renames the lines of \"chip\"");
        refused("k.json", "{\"devices\": [{\"chip\": \"sim\"}]}")
                .hasMessageEndingWith("device 0: \"socket\" is missing");
        refused("k.json", "{\"devices\": [null]}").hasMessageEndingWith("device 0: \"socket\" is missing");
        refused("k.json", "{\"devices\": [{\"socket\": \"a\\u0000b\"}]}").hasMessageContaining("not a valid path");
    }

    @Test
    void aFileWithoutDevicesOrWithMoreThanOneDocumentIsRefused() throws IOException {
        refused("n.json", "{\"devices\": []}").hasMessageContaining("lists no devices");
        refused("n.yaml", "devices:\n").hasMessageContaining("lists no devices");
        refused("n.toml", "# nothing yet\n").hasMessageContaining("lists no devices");
        refused("n.json", " \n").hasMessageContaining("is empty");
        refused("n.yaml", "").hasMessageContaining("is empty");
        refused("two.yaml", "devices:\n  - socket: a\n---\ndevices:\n  - socket: b\n")
                .hasMessageContaining("two.yaml:4: there is more after the end of the config");
        refused("two.json", "{\"devices\": [{\"socket\": \"a\"}]} {}")
                .hasMessageContaining("two.json:1: there is more");
        refused("bad.toml", "[[devices]\nsocket = 1\n").hasMessageContaining("bad.toml");
        Path latin = dir.resolve("latin.json");
        Files.write(latin, "{\"devices\": [{\"socket\": \"caf\u00e9\"}]}".getBytes(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> ServeConfig.load(latin)).hasMessage("config file " + latin + " is not UTF-8 text");
    }

    @Test
    void aConfigFileThatCannotBeReadSaysWhy() {
        Path missing = dir.resolve("nope.json");
        assertThatThrownBy(() -> ServeConfig.load(missing)).isInstanceOf(IOException.class)
                .hasMessage("config file " + missing + ": no such file");
        assertThatThrownBy(() -> ServeConfig.load(dir)).hasMessage("config file " + dir
                + ": cannot be read (it is a directory)");
    }

    @Test
    void syntaxErrorsGiveLineAndColumnWithoutTheParsersInternals() {
        refused("s.json", "{\"devices\": [\n {\"socket\": \"a\",, }]}")
                .hasMessage("config file " + dir.resolve("s.json") + ":2:17, device 0: Unexpected character (','):"
                        + " was expecting double-quote to start field name");
        refused("e.json", "{\"devices\": [{\"socket\": \"a\"")
                .hasMessageEndingWith(":1:28, device 0: Unexpected end-of-input: expected close marker for Object"
                        + " (opened on line 1, column 14)");
        refused("y.yaml", "devices:\n  - socket: a\n   chip: x\n")
                .hasMessageContaining("y.yaml:3:4: while parsing a block collection: expected <block end>");
        refused("t.toml", "[[devices]]\nsocket = \n").hasMessageContaining("t.toml:2:10: ");
        for (String text : List.of("{\"devices\": [{\"socket\": 3, \"lines\": {\"a\": 1}}]}",
                "{\"devices\": [{\"socket\": \"a\", \"chip\": [\"x\"]}]}", "{\"devices\": [{\"socket\": \"a\","
                        + " \"lines\": [{\"chip\": \"x\", \"offset\": \"a\"}]}]}", "{\"devices\": 7}", "[1]")) {
            refused("m.json", text).as(text).message().doesNotContain("class", "[Source", "token", "`", "java.",
                    "dev.vgpio", "$").matches(".*: expected (a string|a number|a list|an object).*");
        }
        refused("k.json", "{\"devices\": [{\"socket\": \"a\", \"lines\": {\"a\": 1}}]}")
                .hasMessageEndingWith("device 0, \"lines\": expected a list, found an object");
    }
}
