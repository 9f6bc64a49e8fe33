package dev.vgpio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vgpio.sys.GpioChipFd.LineInfo;
import dev.vgpio.sys.GpioUapi;
import org.junit.jupiter.api.Test;

/** Lines are listed as gpioinfo prints them; the guest test runs the command against gpio-sim. */
class ListHostCommandTest {
    @Test
    void aLineIsDescribedAsGpioinfoDoes() {
        assertThat(ListHostCommand.describe(new LineInfo(0, "LED", "", GpioUapi.FLAG_INPUT, 0)))
                .isEqualTo("\tline   0:\t\"LED\"\tinput");
        assertThat(ListHostCommand.describe(new LineInfo(12, "", "vgpio:gpio0", GpioUapi.FLAG_USED
                | GpioUapi.FLAG_OUTPUT | GpioUapi.FLAG_ACTIVE_LOW | GpioUapi.FLAG_OPEN_DRAIN, 0)))
                .isEqualTo("\tline  12:\tunnamed\toutput consumer=\"vgpio:gpio0\" active-low drive=open-drain");
        assertThat(ListHostCommand.describe(new LineInfo(3, "BTN", "mon", GpioUapi.FLAG_USED | GpioUapi.FLAG_INPUT
                | GpioUapi.FLAG_EDGE_RISING | GpioUapi.FLAG_EDGE_FALLING | GpioUapi.FLAG_BIAS_PULL_UP, 1000)))
                .isEqualTo("\tline   3:\t\"BTN\"\tinput consumer=\"mon\" edges=both bias=pull-up"
                        + " debounce-period=1000us");
    }

    @Test
    void withoutChipsItSaysWhy() {
        CliRun cli = new CliRun();
        int status = cli.execute("list-host", "/dev/gpiochip-none");
        assertThat(status).isOne();
        assertThat(cli.err.toString()).contains("/dev/gpiochip-none").contains("ENOENT");
    }
}
