package dev.vgpio.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class FlyweightsTest {
    @Property(tries = 300)
    void requestFlyweightReadsWhatTheRecordWrites(
            @ForAll @IntRange(min = 0, max = 0xffff) int type,
            @ForAll @IntRange(min = 0, max = 0xffff) int gpio,
            @ForAll @LongRange(min = 0, max = 0xffff_ffffL) long value,
            @ForAll @IntRange(min = 0, max = 8) int offset) {
        MemorySegment seg = MemorySegment.ofArray(new byte[16]);
        GpioRequest record = new GpioRequest(type, gpio, value);
        record.encode(seg, offset);
        RequestFlyweight fly = new RequestFlyweight().wrap(seg, offset);
        assertThat(fly.type()).isEqualTo(type);
        assertThat(fly.gpio()).isEqualTo(gpio);
        assertThat(fly.value()).isEqualTo(value);

        MemorySegment other = MemorySegment.ofArray(new byte[16]);
        new RequestFlyweight().wrap(other, offset).type(type).gpio(gpio).value(value);
        assertThat(other.toArray(Wire.U8)).containsExactly(seg.toArray(Wire.U8));
    }

    @Property(tries = 300)
    void responseFlyweightWritesWhatTheRecordReads(
            @ForAll @IntRange(min = 0, max = 0xff) int status,
            @ForAll @IntRange(min = 0, max = 0xff) int value,
            @ForAll @IntRange(min = 0, max = 6) int offset) {
        MemorySegment seg = MemorySegment.ofArray(new byte[8]);
        ResponseFlyweight fly = new ResponseFlyweight().wrap(seg, offset).status(status).value(value);
        assertThat(GpioResponse.decode(seg, offset)).isEqualTo(new GpioResponse(status, value));
        assertThat(fly.status()).isEqualTo(status);
        assertThat(fly.value()).isEqualTo(value);
        byte[] expected = new byte[8];
        new GpioResponse(status, value).encode(MemorySegment.ofArray(expected), offset);
        assertThat(seg.toArray(Wire.U8)).containsExactly(expected);
    }

    @Test
    void flyweightsCanBeRewrapped() {
        MemorySegment a = MemorySegment.ofArray(GpioRequest.of(MessageType.GET_VALUE, 3, 0).toBytes());
        MemorySegment b = MemorySegment.ofArray(GpioRequest.of(MessageType.SET_DIRECTION, 4, 2).toBytes());
        RequestFlyweight fly = new RequestFlyweight();
        assertThat(fly.wrap(a, 0).type()).isEqualTo(MessageType.GET_VALUE.code());
        assertThat(fly.wrap(b, 0).gpio()).isEqualTo(4);
        assertThat(fly.value()).isEqualTo(2);
    }

    @Test
    void wrapRefusesATooShortSegment() {
        assertThatThrownBy(() -> new RequestFlyweight().wrap(MemorySegment.ofArray(new byte[8]), 1))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> new ResponseFlyweight().wrap(MemorySegment.ofArray(new byte[1]), 0))
                .isInstanceOf(IndexOutOfBoundsException.class);
    }
}
