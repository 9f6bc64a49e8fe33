package dev.vgpio.device;

import dev.vgpio.protocol.GpioRequest;

/**
 * Why the device answered a request with {@code STATUS_ERR}, or returned an interrupt buffer INVALID at once: each
 * rule of the spec the driver's message broke, and the failures of the lines themselves. A returned value, never
 * state: {@link GpioController#refusal(int)} reads it from an outcome.
 */
public enum Refusal {
    UNKNOWN_TYPE("unknown message type"),
    NO_LINE_NAMES("the device has no line names"),
    NO_SUCH_LINE("line number out of range"),
    INVALID_DIRECTION("invalid direction"),
    INTERRUPT_ENABLED("line has an interrupt enabled; set its IRQ type to NONE before making it an output"),
    INVALID_VALUE("value is neither 0 nor 1"),
    IRQ_NOT_NEGOTIATED("SET_IRQ_TYPE without VIRTIO_GPIO_F_IRQ negotiated"),
    INVALID_IRQ_TYPE("invalid IRQ type"),
    IRQ_ON_OUTPUT("SET_IRQ_TYPE on a line configured for output"),
    IRQ_TYPE_CHANGED("IRQ type changed without going through NONE"),
    LINES_FAILED("the lines could not carry it out (the log says why)"),
    REQUEST_SIZE("the request is not " + GpioRequest.SIZE + " bytes"),
    RESPONSE_SIZE("the response buffer is not the size the request's answer has"),
    IRQ_NO_SUCH_LINE("interrupt buffer for a line out of range"),
    IRQ_BUFFER_TWICE("a second interrupt buffer for the same line"),
    IRQ_NOT_ENABLED("interrupt buffer for a line whose interrupt is not enabled"),
    LINE_CONFIG_NOT_NEGOTIATED("GET_LINE_CAPS or SET_LINE_CONFIG without VIRTIO_GPIO_F_LINE_CONFIG negotiated"),
    INVALID_CONFIG_PARAM("SET_LINE_CONFIG with an unknown parameter (1 bias, 2 drive, 3 debounce)"),
    INVALID_CONFIG_ARGUMENT("SET_LINE_CONFIG with an argument its parameter does not have"),
    SETTING_UNSUPPORTED("the line cannot take this setting (GET_LINE_CAPS says which it takes)");

    private final String reason;

    Refusal(String reason) {
        this.reason = reason;
    }

    /** The rule that was broken, in words. */
    public String reason() {
        return reason;
    }
}
