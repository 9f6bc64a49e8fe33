package dev.vgpio.virtio;

import java.util.Arrays;
import java.util.StringJoiner;

/**
 * Names for the 64 bits of a feature word, one table for everything that names or prints features: the virtio bits
 * ({@link #VIRTIO}), to which a device adds its own bits and a transport its own ({@link #with}), or another word's
 * bits from {@link #NONE}. Each bit has its name
 * in the specification ({@code VIRTIO_RING_F_EVENT_IDX}) and a short name, the part after {@code _F_}
 * ({@code EVENT_IDX}); a bit without a name is {@code bit N}. Immutable.
 */
public final class FeatureNames {
    /** The device-independent bits of virtio 1.x. */
    public static final FeatureNames VIRTIO = virtio();
    /** No names: the start of a table for another feature word (vhost-user's protocol features, say). */
    public static final FeatureNames NONE = new FeatureNames(new String[64]);

    private final String[] names;

    private FeatureNames(String[] names) {
        this.names = names;
    }

    private static FeatureNames virtio() {
        String[] names = new String[64];
        for (VirtioFeature f : VirtioFeature.values()) {
            names[f.bit()] = f.specName();
        }
        return new FeatureNames(names);
    }

    /** These names and {@code specName} for {@code bit}. */
    public FeatureNames with(int bit, String specName) {
        if (bit < 0 || bit > 63 || specName == null || specName.isBlank()) {
            throw new IllegalArgumentException("a feature is a bit from 0 to 63 with a name, not " + bit + " "
                    + specName);
        }
        String[] copy = Arrays.copyOf(names, names.length);
        copy[bit] = specName;
        return new FeatureNames(copy);
    }

    /** The specification's name of {@code bit}, or {@code bit N}. */
    public String name(int bit) {
        String n = names[bit];
        return n != null ? n : "bit " + bit;
    }

    /** The short name of {@code bit} ({@code EVENT_IDX} for {@code VIRTIO_RING_F_EVENT_IDX}), or {@code bit N}. */
    public String shortName(int bit) {
        String n = names[bit];
        if (n == null) {
            return "bit " + bit;
        }
        int f = n.indexOf("_F_");
        return f >= 0 ? n.substring(f + 3) : n;
    }

    /** The spec names of the bits set in {@code features}, lowest first, comma-separated, or {@code none}. */
    public String list(long features) {
        return join(features, false);
    }

    /** The short names of the bits set in {@code features}, lowest first, comma-separated; or {@code none}. */
    public String shortList(long features) {
        return join(features, true);
    }

    /** {@code 0x100000001 (VIRTIO_GPIO_F_IRQ, VIRTIO_F_VERSION_1)}: the word and its names, for logs and reports. */
    public String describe(long features) {
        return String.format("0x%x (%s)", features, list(features));
    }

    private String join(long features, boolean shortNames) {
        StringJoiner j = new StringJoiner(", ");
        for (int bit = 0; bit < 64; bit++) {
            if ((features & (1L << bit)) != 0) {
                j.add(shortNames ? shortName(bit) : name(bit));
            }
        }
        return j.length() == 0 ? "none" : j.toString();
    }
}
