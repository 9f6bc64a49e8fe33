/**
 * The virtio-gpio wire format: the device's constants, the layout of each structure declared once with
 * allocation-free accessors ({@link dev.vgpio.protocol.GpioRequest}, {@link dev.vgpio.protocol.GpioResponse},
 * {@link dev.vgpio.protocol.GpioResponseN}, {@link dev.vgpio.protocol.IrqRequest},
 * {@link dev.vgpio.protocol.IrqResponse}, {@link dev.vgpio.protocol.GpioConfig}), the codes of its fields, its
 * feature bit, and the line-names block with its rules.
 */
package dev.vgpio.protocol;
