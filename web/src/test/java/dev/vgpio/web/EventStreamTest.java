package dev.vgpio.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vgpio.monitor.Activity;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.junit.jupiter.api.Test;

class EventStreamTest {
    /** A WebSocket session that never finishes sending (a client that stopped reading), recording what it got. */
    static final class StuckSession {
        final List<String> texts = new ArrayList<>();
        final List<Callback> unsent = new ArrayList<>();
        int closedWith;
        final Session session = (Session) Proxy.newProxyInstance(Session.class.getClassLoader(),
                new Class<?>[] {Session.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "sendText" -> {
                        texts.add((String) args[0]);
                        unsent.add((Callback) args[1]);
                        yield null;
                    }
                    case "close" -> {
                        closedWith = args == null ? 1000 : (int) args[0];
                        yield null;
                    }
                    case "isOpen" -> closedWith == 0;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> null;
                });
    }

    @Test
    void aSubscriberThatStopsReadingIsDroppedBeforeItsBacklogPassesTheLimit() throws Exception {
        EventStream stream = new EventStream();
        StuckSession stuck = new StuckSession();
        StuckSession reading = new StuckSession();
        stream.subscribe(stuck.session, new EventStream.Filter(null, null), "{\"type\":\"snapshot\"}");
        stream.subscribe(reading.session, new EventStream.Filter(null, null), "{\"type\":\"snapshot\"}");
        long sent = 0;
        for (int batch = 0; batch < 2000 && stuck.closedWith == 0; batch++) {
            for (int i = 0; i < 100; i++) {
                stream.accept(new Activity.Driven(System.nanoTime(), "gpio0", 1, "BUTTON", i & 1));
            }
            stream.endOfBatch();
            reading.unsent.forEach(Callback::succeed); // this one keeps up
            reading.unsent.clear();
        }
        for (String t : stuck.texts) {
            sent += t.length();
        }
        assertThat(stuck.closedWith).as("closed as too slow").isEqualTo(EventStream.TOO_SLOW);
        assertThat(sent).as("what it was given before the cut").isLessThanOrEqualTo(EventStream.MAX_PENDING);
        assertThat(reading.closedWith).as("a client that keeps up stays").isZero();
        assertThat(stream.subscribers()).isEqualTo(1);
        int before = reading.texts.size();
        stream.accept(new Activity.Driven(1, "gpio0", 1, "BUTTON", 1));
        stream.endOfBatch();
        assertThat(reading.texts).hasSize(before + 1);
    }

    @Test
    void aMessageLargerThanTheLimitStillReachesAClientThatKeepsUp() throws Exception {
        EventStream stream = new EventStream();
        StuckSession fresh = new StuckSession();
        String big = "x".repeat((int) EventStream.MAX_PENDING + 1000); // a snapshot of many thousand lines
        stream.subscribe(fresh.session, new EventStream.Filter(null, null), big);
        assertThat(fresh.closedWith).isZero();
        assertThat(fresh.texts).containsExactly(big);
        fresh.unsent.forEach(Callback::succeed);
        stream.accept(new Activity.Driven(1, "gpio0", 1, "BUTTON", 1));
        stream.endOfBatch();
        assertThat(fresh.texts).hasSize(2);
    }

    @Test
    void withNoSubscriberActivityIsNotKept() throws Exception {
        EventStream stream = new EventStream();
        for (int i = 0; i < 10_000; i++) {
            stream.accept(new Activity.Driven(i, "gpio0", 1, "BUTTON", 1));
        }
        stream.endOfBatch();
        StuckSession late = new StuckSession();
        stream.subscribe(late.session, new EventStream.Filter(null, null), "{}");
        stream.endOfBatch();
        assertThat(late.texts).containsExactly("{}");
    }
}
