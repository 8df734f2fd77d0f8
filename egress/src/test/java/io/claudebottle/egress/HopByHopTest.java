package io.claudebottle.egress;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class HopByHopTest {
    @Test
    void stripsEveryHopByHopHeaderInAnyCaseAndWhatConnectionLists() {
        HttpHeaders h = new DefaultHttpHeaders()
                .add("Host", "example.com")
                .add("CONNECTION", "close, X-Private ,  ,x-other")
                .add("connection", "X-Third")
                .add("X-Private", "a").add("x-other", "b").add("X-Third", "c")
                .add("Keep-Alive", "timeout=5").add("proxy-connection", "keep-alive")
                .add("Proxy-Authorization", "Basic x").add("Proxy-Authenticate", "Basic")
                .add("te", "trailers").add("Trailer", "X-T").add("Upgrade", "h2c").add("Expect", "100-continue")
                .add("X-Keep", "yes").add("Content-Length", "3");
        HopByHop.strip(h, listed -> false);
        assertThat(h.names()).containsExactlyInAnyOrder("Host", "X-Keep", "Content-Length");
    }

    @Test
    void aListedNameTheCallerKeepsStays() {
        HttpHeaders h = new DefaultHttpHeaders().add("Connection", "Upgrade, X-Private").add("X-Private", "a").add("Sec-WebSocket-Key", "k");
        HopByHop.strip(h, listed -> listed.equalsIgnoreCase("sec-websocket-key"));
        assertThat(h.names()).containsExactly("Sec-WebSocket-Key");
        HttpHeaders listedButKept = new DefaultHttpHeaders().add("Connection", "sec-websocket-key").add("Sec-WebSocket-Key", "k");
        HopByHop.strip(listedButKept, listed -> listed.equalsIgnoreCase("sec-websocket-key"));
        assertThat(listedButKept.names()).containsExactly("Sec-WebSocket-Key");
    }

    @Test
    void withoutHopByHopHeadersNothingChanges() {
        HttpHeaders h = new DefaultHttpHeaders().add("Host", "a").add("X-Connection", "close").add("Keep-Alive-Ish", "1");
        HopByHop.strip(h, listed -> false);
        assertThat(h.names()).containsExactlyInAnyOrder("Host", "X-Connection", "Keep-Alive-Ish");
        assertThat(HopByHop.is("X-Connection")).isFalse();
        assertThat(HopByHop.is("tE")).isTrue();
    }
}
