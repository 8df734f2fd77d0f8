package io.claudebottle.egress;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A byte-level HTTP client for tests that must send what real clients refuse to (smuggling,
 * folded headers, mismatched Host). Reads responses framed by Content-Length or connection close.
 */
final class Raw implements AutoCloseable {
    record Response(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    final Socket socket;
    final InputStream in;
    final OutputStream out;

    Raw(Socket socket) throws IOException {
        this.socket = socket;
        this.socket.setSoTimeout(10_000);
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    static Raw to(int port) throws IOException {
        return new Raw(new Socket("127.0.0.1", port));
    }

    Raw send(String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return this;
    }

    Raw send(byte[] b) throws IOException {
        out.write(b);
        out.flush();
        return this;
    }

    Response read() throws IOException {
        String status = line();
        if (status == null) throw new IOException("connection closed before a response");
        Map<String, String> headers = new LinkedHashMap<>();
        for (String l = line(); l != null && !l.isEmpty(); l = line()) {
            int c = l.indexOf(':');
            headers.put(l.substring(0, c).trim().toLowerCase(Locale.ROOT), l.substring(c + 1).trim());
        }
        int code = Integer.parseInt(status.split(" ")[1]);
        String body = "";
        String len = headers.get("content-length");
        if (len != null) {
            body = new String(in.readNBytes(Integer.parseInt(len)), StandardCharsets.UTF_8);
        } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            for (int n = Integer.parseInt(line().trim(), 16); n > 0; n = Integer.parseInt(line().trim(), 16)) {
                b.write(in.readNBytes(n));
                line();
            }
            line();
            body = b.toString(StandardCharsets.UTF_8);
        } else if (code >= 200 && code != 204 && code != 304 && !(code == 200 && status.contains("Established"))) {
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        return new Response(code, headers, body);
    }

    /** True if the peer closed the connection (read returns EOF) within the socket timeout. */
    boolean closedByPeer() {
        try {
            return in.read() < 0;
        } catch (IOException e) {
            return true;
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') break;
            if (c != '\r') b.write(c);
        }
        if (c < 0 && b.size() == 0) return null;
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
