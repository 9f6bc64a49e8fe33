package dev.vgpio.web;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.vgpio.monitor.Activity;
import dev.vgpio.monitor.ActivityJson;
import dev.vgpio.monitor.ActivitySink;
import java.io.IOException;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WebSocket stream of activity: each subscriber gets, after a snapshot of the devices, one message per batch of
 * the monitor ({@code {"type": "events", "events": [...]}}, at most every few milliseconds), filtered to the kinds
 * and devices it asked for. Sending never blocks the monitor: a subscriber with more than {@link #MAX_PENDING}
 * bytes not yet sent is too slow and is dropped (closed with status 1008), so a stuck client cannot fill memory.
 */
public final class EventStream implements ActivitySink {
    private static final Logger LOG = LoggerFactory.getLogger(EventStream.class);
    /** Bytes a subscriber may have queued and unsent before it is dropped. */
    public static final long MAX_PENDING = 4L << 20;
    /** WebSocket close status for a subscriber that could not keep up (policy violation). */
    static final int TOO_SLOW = 1008;

    private static final JsonFactory JSON = new JsonFactory();
    /** Cuts dropped subscribers' connections whose close frame cannot get through. */
    private static final java.util.concurrent.ScheduledExecutorService CLOSER =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform()
                    .name("vgpio-stream-closer").daemon(true).unstarted(r));

    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
    private final List<Activity> batch = new ArrayList<>();

    /**
     * What a subscriber asked for.
     *
     * @param kinds   the activity kinds (see {@link ActivityJson#KINDS}), or null for all
     * @param devices the device names, or null for all
     */
    public record Filter(Set<String> kinds, Set<String> devices) {
        boolean passes(Activity a) {
            return (kinds == null || kinds.contains(ActivityJson.kind(a)))
                    && (devices == null || devices.contains(a.device()));
        }
    }

    /** A WebSocket session fed by the stream. */
    private static final class Subscriber {
        final Session session;
        final Filter filter;
        final AtomicLong pending = new AtomicLong();
        volatile boolean dropped;

        Subscriber(Session session, Filter filter) {
            this.session = session;
            this.filter = filter;
        }
    }

    /** How many subscribers there are. */
    public int subscribers() {
        return subscribers.size();
    }

    /** Starts feeding {@code session}: {@code snapshot} first, then every batch that passes {@code filter}. */
    public void subscribe(Session session, Filter filter, String snapshot) {
        Subscriber s = new Subscriber(session, filter);
        subscribers.add(s);
        send(s, snapshot);
    }

    /** Stops feeding {@code session} (it closed). */
    public void unsubscribe(Session session) {
        subscribers.removeIf(s -> s.session == session);
    }

    @Override
    public void accept(Activity activity) {
        if (!subscribers.isEmpty()) {
            batch.add(activity);
        }
    }

    @Override
    public void endOfBatch() throws IOException {
        if (batch.isEmpty()) {
            return;
        }
        try {
            String all = null;
            for (Subscriber s : subscribers) {
                String text;
                if (s.filter.kinds() == null && s.filter.devices() == null) {
                    text = all != null ? all : (all = encode(batch));
                } else {
                    List<Activity> mine = batch.stream().filter(s.filter::passes).toList();
                    if (mine.isEmpty()) {
                        continue;
                    }
                    text = encode(mine);
                }
                send(s, text);
            }
        } finally {
            batch.clear();
        }
    }

    private static String encode(List<Activity> events) throws IOException {
        StringWriter w = new StringWriter(64 + 160 * events.size());
        try (JsonGenerator g = JSON.createGenerator(w)) {
            g.writeStartObject();
            g.writeStringField("type", "events");
            g.writeArrayFieldStart("events");
            for (Activity a : events) {
                ActivityJson.write(g, a);
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        return w.toString();
    }

    private void send(Subscriber s, String text) {
        if (s.dropped) {
            return;
        }
        long size = text.length();
        long pending = s.pending.get();
        if (pending > 0 && pending + size > MAX_PENDING) { // a big message alone, to a client that keeps up, goes
            s.dropped = true;
            subscribers.remove(s);
            LOG.info("dropped an event stream subscriber: it fell {} bytes behind", pending);
            // the close frame waits behind what the client does not read: cut the connection after it
            s.session.close(TOO_SLOW, "too slow: more than " + MAX_PENDING + " bytes of events unsent",
                    Callback.from(s.session::disconnect, failure -> s.session.disconnect()));
            CLOSER.schedule(s.session::disconnect, 1, java.util.concurrent.TimeUnit.SECONDS);
            return;
        }
        s.pending.addAndGet(size);
        s.session.sendText(text, Callback.from(() -> s.pending.addAndGet(-size), failure -> {
            s.pending.addAndGet(-size);
            subscribers.remove(s);
        }));
    }

    @Override
    public void close() {
        for (Subscriber s : subscribers) {
            s.session.close(1001, "the daemon stops", Callback.NOOP);
        }
        subscribers.clear();
    }
}
