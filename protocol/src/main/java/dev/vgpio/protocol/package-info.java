/**
 * The virtio-gpio wire format: constants, message records and flyweights, and the line-names block.
 */
package dev.vgpio.protocol;
