package io.claudebottle.egress;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.LastHttpContent;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;

/**
 * The agent-facing HTTP/1.1 codec. Netty's decoder already refuses Content-Length together with
 * Transfer-Encoding, duplicate Content-Length and bad chunk framing; it silently joins obsolete
 * line folding (a header line starting with a space) into the previous header, which a
 * downstream server may parse differently, so this decoder marks such requests as failed. The
 * encoder knows the request method, so a HEAD or CONNECT response never gets a body.
 */
final class ProxyCodec extends CombinedChannelDuplexHandler<ProxyCodec.StrictRequestDecoder, ProxyCodec.MethodAwareEncoder> {

    ProxyCodec(Limits limits) {
        Queue<HttpMethod> methods = new ArrayDeque<>();
        HttpDecoderConfig config = new HttpDecoderConfig()
                .setMaxInitialLineLength(Math.min(limits.maxHeaderBytes(), 16 * 1024))
                .setMaxHeaderSize(limits.maxHeaderBytes())
                .setMaxChunkSize(64 * 1024)
                .setStrictLineParsing(true)
                .setAllowDuplicateContentLengths(false);
        init(new StrictRequestDecoder(config, methods), new MethodAwareEncoder(methods));
    }

    static final class StrictRequestDecoder extends HttpRequestDecoder {
        private final Queue<HttpMethod> methods;
        private boolean inHead = true;
        private boolean atLineStart;
        private boolean crAtLineStart;
        private boolean folded;

        StrictRequestDecoder(HttpDecoderConfig config, Queue<HttpMethod> methods) {
            super(config);
            this.methods = methods;
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
            int from = in.readerIndex();
            int produced = out.size();
            super.decode(ctx, in, out);
            if (inHead) watchForFolding(in, from, in.readerIndex());
            for (int i = produced; i < out.size(); i++) {
                Object o = out.get(i);
                if (o instanceof HttpMessage m) {
                    if (folded && m.decoderResult().isSuccess()) {
                        m.setDecoderResult(DecoderResult.failure(new IllegalArgumentException(
                                "obsolete line folding (a header line starting with whitespace) is refused")));
                    }
                    if (m instanceof HttpRequest r) methods.add(r.method());
                    inHead = false;
                }
                if (o instanceof LastHttpContent) {
                    inHead = true;
                    atLineStart = false;
                    crAtLineStart = false;
                    folded = false;
                }
            }
        }

        /** Looks at the head bytes the decoder consumed for a line that starts with SP or HTAB. */
        private void watchForFolding(ByteBuf in, int from, int to) {
            for (int i = from; i < to && inHead; i++) {
                byte b = in.getByte(i);
                if (atLineStart) {
                    atLineStart = false;
                    if (b == ' ' || b == '\t') folded = true;
                    else if (b == '\r') crAtLineStart = true;
                    else if (b == '\n') inHead = false;
                    continue;
                }
                if (b == '\n') {
                    if (crAtLineStart) inHead = false;
                    else atLineStart = true;
                }
                crAtLineStart = false;
            }
        }
    }

    static final class MethodAwareEncoder extends HttpResponseEncoder {
        private final Queue<HttpMethod> methods;
        private HttpMethod current;

        MethodAwareEncoder(Queue<HttpMethod> methods) {
            this.methods = methods;
        }

        @Override
        protected boolean isContentAlwaysEmpty(HttpResponse msg) {
            int code = msg.status().code();
            if (code >= 100 && code < 200 && code != 101) return super.isContentAlwaysEmpty(msg);
            current = methods.poll();
            if (HttpMethod.HEAD.equals(current)) return true;
            if (HttpMethod.CONNECT.equals(current) && code >= 200 && code < 300) return true;
            return super.isContentAlwaysEmpty(msg);
        }
    }
}
