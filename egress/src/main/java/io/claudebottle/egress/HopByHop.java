package io.claudebottle.egress;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Headers that describe one connection, not the message (RFC 9110 §7.6.1), plus the proxy's own
 * ({@code Proxy-*}) and {@code Expect}, which the proxy answers itself: never forwarded.
 */
final class HopByHop {
    private static final AsciiString[] NAMES = {HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE,
            HttpHeaderNames.PROXY_CONNECTION, HttpHeaderNames.PROXY_AUTHORIZATION, HttpHeaderNames.PROXY_AUTHENTICATE,
            HttpHeaderNames.TE, HttpHeaderNames.TRAILER, HttpHeaderNames.UPGRADE, HttpHeaderNames.EXPECT};

    private HopByHop() {}

    static boolean is(CharSequence name) {
        for (AsciiString n : NAMES) if (n.contentEqualsIgnoreCase(name)) return true;
        return false;
    }

    /**
     * Removes every hop-by-hop header, and every header a {@code Connection} header names unless
     * {@code keepListed} accepts it. One pass over the headers: a message rarely has any of them,
     * and removing each name in turn (a case-insensitive hash and a bucket walk each) cost more
     * than the rest of the header handling.
     */
    static void strip(HttpHeaders headers, Predicate<String> keepListed) {
        List<CharSequence> drop = null;
        boolean connection = false;
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence(); it.hasNext(); ) {
            CharSequence name = it.next().getKey();
            if (!is(name)) continue;
            if (drop == null) drop = new ArrayList<>(2);
            drop.add(name);
            connection |= HttpHeaderNames.CONNECTION.contentEqualsIgnoreCase(name);
        }
        if (drop == null) return;
        if (connection) {
            for (String listed : headers.getAll(HttpHeaderNames.CONNECTION)) {
                for (String name : listed.split(",")) {
                    String n = name.trim();
                    if (!n.isEmpty() && !keepListed.test(n)) drop.add(n);
                }
            }
        }
        for (CharSequence name : drop) headers.remove(name);
    }
}
