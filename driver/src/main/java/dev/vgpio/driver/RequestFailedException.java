package dev.vgpio.driver;

/** The device answered a request with {@code VIRTIO_GPIO_STATUS_ERR}. */
public final class RequestFailedException extends DriverException {
    public RequestFailedException(String message) {
        super(message);
    }
}
