/*
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as iSCSI and ext4 use it: the envelope's check.
 * A 16-entry table, four bits at a time: 64 bytes of constant data and two steps a byte, a fair trade on a
 * microcontroller for frames of at most 496 bytes.
 */
#include "vgpio_dev.h"

static const uint32_t crc32c_nibble[16] = {
    0x00000000u, 0x105ec76fu, 0x20bd8edeu, 0x30e349b1u, 0x417b1dbcu, 0x5125dad3u, 0x61c69362u, 0x7198540du,
    0x82f63b78u, 0x92a8fc17u, 0xa24bb5a6u, 0xb21572c9u, 0xc38d26c4u, 0xd3d3e1abu, 0xe330a81au, 0xf36e6f75u,
};

uint32_t vgpio_crc32c(uint32_t crc, const uint8_t *data, size_t len)
{
    size_t i;
    crc = ~crc;
    for (i = 0; i < len; i++) {
        crc ^= data[i];
        crc = (crc >> 4) ^ crc32c_nibble[crc & 0xfu];
        crc = (crc >> 4) ^ crc32c_nibble[crc & 0xfu];
    }
    return ~crc;
}
