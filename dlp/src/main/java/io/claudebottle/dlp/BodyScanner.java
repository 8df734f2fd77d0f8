package io.claudebottle.dlp;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.multipart.Attribute;
import io.netty.handler.codec.http.multipart.DefaultHttpDataFactory;
import io.netty.handler.codec.http.multipart.FileUpload;
import io.netty.handler.codec.http.multipart.HttpPostMultipartRequestDecoder;
import io.netty.handler.codec.http.multipart.InterfaceHttpData;
import org.brotli.dec.BrotliInputStream;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.json.JsonFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;

/**
 * Whole-body scanning: undoes Content-Encoding (gzip, deflate, br; bounded), scans the raw text,
 * then the fields a parser extracts (JSON keys and values, form fields, multipart parts with their
 * names and filenames). What cannot be decoded or parsed is {@link BodyVerdict.Unscannable}.
 */
final class BodyScanner {
    /** Decoded bodies above this are refused as a probable decompression bomb. */
    static final int MAX_DECODED_BYTES = 32 << 20;
    /** The streaming parser alone: the sidecar JVM, which scans, never builds a databind mapper. */
    private static final JsonFactory JSON = new JsonFactory();

    private final DlpEngine engine;

    BodyScanner(DlpEngine engine) {
        this.engine = engine;
    }

    BodyVerdict scan(byte[] body, String contentType, String contentEncoding) {
        byte[] decoded;
        try {
            decoded = decodeContent(body, contentEncoding);
        } catch (UnscannableException e) {
            return new BodyVerdict.Unscannable(e.getMessage());
        }
        // Keyed by rule and secret: a secret seen raw is not reported again from a parsed field.
        Map<String, Finding> found = new LinkedHashMap<>();
        String raw = new String(decoded, StandardCharsets.UTF_8);
        List<DlpEngine.Found> rawFound = engine.found(raw);
        List<Finding> rawFindings = DlpEngine.toByteOffsets(raw, rawFound.stream().map(DlpEngine.Found::finding).toList(), 0);
        for (int i = 0; i < rawFound.size(); i++) {
            found.putIfAbsent(rawFound.get(i).finding().ruleId() + "\0" + rawFound.get(i).secret(), rawFindings.get(i));
        }
        String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
        try {
            if (type.startsWith("multipart/")) {
                for (Field field : multipartFields(decoded, contentType)) add(found, field);
            } else if (type.startsWith("application/x-www-form-urlencoded")) {
                for (Field field : formFields(decoded)) add(found, field);
            } else if (type.startsWith("application/json") || type.contains("+json")) {
                for (Field field : jsonFields(decoded)) add(found, field);
            }
        } catch (UnscannableException e) {
            return new BodyVerdict.Unscannable(e.getMessage());
        }
        for (Finding f : found.values()) {
            if (f.unscannable()) {
                return new BodyVerdict.Unscannable("the DLP scan ran out of its work budget at byte " + f.offset()
                        + (f.path().isEmpty() ? "" : " of " + f.path())
                        + ": the body holds more candidate secrets than real text does; refused unscanned");
            }
        }
        return found.isEmpty() ? new BodyVerdict.Clean() : new BodyVerdict.Secrets(List.copyOf(found.values()));
    }

    /** A piece a parser pulled out of the body, with where it was and where it starts. */
    private record Field(String path, String text, long offset) {}

    private void add(Map<String, Finding> found, Field field) {
        for (DlpEngine.Found f : engine.found(field.text())) {
            Finding x = f.finding();
            found.putIfAbsent(x.ruleId() + "\0" + f.secret(),
                    new Finding(x.ruleId(), x.excerpt(), field.offset(), 1, field.path(), x.via()));
        }
    }

    static final class UnscannableException extends Exception {
        UnscannableException(String message) {
            super(message);
        }
    }

    static byte[] decodeContent(byte[] body, String contentEncoding) throws UnscannableException {
        if (contentEncoding == null || contentEncoding.isBlank()) return body;
        List<String> codings = List.of(com.google.re2j.Pattern.compile(",").split(contentEncoding));
        byte[] data = body;
        for (int i = codings.size() - 1; i >= 0; i--) { // applied in order, so undone in reverse
            String coding = codings.get(i).trim().toLowerCase(Locale.ROOT);
            byte[] input = data;
            data = switch (coding) {
                case "", "identity" -> data;
                case "gzip", "x-gzip" -> inflate(() -> new GZIPInputStream(new ByteArrayInputStream(input)), coding);
                case "deflate" -> deflate(data);
                case "br" -> inflate(() -> new BrotliInputStream(new ByteArrayInputStream(input)), coding);
                default -> throw new UnscannableException("Content-Encoding '" + coding
                        + "' is not supported by the DLP scanner (supported: gzip, deflate, br, identity)");
            };
        }
        return data;
    }

    private interface StreamOpener {
        InputStream open() throws IOException;
    }

    private static byte[] deflate(byte[] data) throws UnscannableException {
        try {
            return inflate(() -> new InflaterInputStream(new ByteArrayInputStream(data)), "deflate");
        } catch (UnscannableException zlibFailed) {
            if (zlibFailed.getMessage().contains("bomb")) throw zlibFailed;
            // Some clients send raw DEFLATE without the zlib wrapper.
            return inflate(() -> new InflaterInputStream(new ByteArrayInputStream(data), new Inflater(true)), "deflate");
        }
    }

    private static byte[] inflate(StreamOpener opener, String coding) throws UnscannableException {
        try (InputStream in = opener.open()) {
            byte[] out = in.readNBytes(MAX_DECODED_BYTES + 1);
            if (out.length > MAX_DECODED_BYTES) {
                throw new UnscannableException("body decodes (" + coding + ") to more than " + (MAX_DECODED_BYTES >> 20)
                        + " MB; refused as a possible decompression bomb");
            }
            return out;
        } catch (IOException | RuntimeException e) {
            throw new UnscannableException("body is not valid " + coding + " data: " + e.getMessage());
        }
    }

    private static List<Field> jsonFields(byte[] body) {
        List<Field> out = new ArrayList<>();
        try (JsonParser p = JSON.createParser(ObjectReadContext.empty(), body)) {
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                if (t == JsonToken.PROPERTY_NAME || t == JsonToken.VALUE_STRING) {
                    out.add(new Field("json:" + p.streamReadContext().pathAsPointer(), p.getString(),
                            p.currentTokenLocation().getByteOffset()));
                }
            }
        } catch (JacksonException malformed) {
            // Not JSON after all: the raw scan (with escape decoding) has covered it.
        }
        return out;
    }

    private static List<Field> formFields(byte[] body) throws UnscannableException {
        List<Field> out = new ArrayList<>();
        try {
            QueryStringDecoder q = new QueryStringDecoder(new String(body, StandardCharsets.UTF_8), false);
            q.parameters().forEach((name, values) -> {
                for (String v : values) out.add(new Field("form:" + name, name + "=" + v, 0));
            });
        } catch (IllegalArgumentException e) {
            throw new UnscannableException("form body is malformed: " + e.getMessage());
        }
        return out;
    }

    private static List<Field> multipartFields(byte[] body, String contentType) throws UnscannableException {
        if (!contentType.toLowerCase(Locale.ROOT).contains("boundary=")) {
            throw new UnscannableException("multipart body without a boundary parameter in Content-Type");
        }
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/",
                Unpooled.wrappedBuffer(body));
        request.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        request.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length);
        List<Field> out = new ArrayList<>();
        HttpPostMultipartRequestDecoder decoder = null;
        try {
            decoder = new HttpPostMultipartRequestDecoder(new DefaultHttpDataFactory(false), request);
            if (!decoder.isMultipart()) throw new UnscannableException("multipart body could not be parsed");
            List<InterfaceHttpData> parts = decoder.getBodyHttpDatas();
            if (parts.isEmpty() && body.length > 0) throw new UnscannableException("multipart body has no readable parts");
            for (InterfaceHttpData data : parts) {
                String name = data.getName();
                if (data instanceof FileUpload file) {
                    String text = name + "\n" + file.getFilename() + "\n" + file.getContentType() + "\n"
                            + new String(file.get(), StandardCharsets.UTF_8);
                    out.add(new Field("multipart:" + name, text, 0));
                } else if (data instanceof Attribute attribute) {
                    out.add(new Field("multipart:" + name, name + "\n" + attribute.getValue(), 0));
                }
            }
            return out;
        } catch (UnscannableException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new UnscannableException("multipart body is malformed: " + e);
        } finally {
            if (decoder != null) decoder.destroy();
            request.release();
        }
    }
}
