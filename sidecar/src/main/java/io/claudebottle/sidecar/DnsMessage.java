package io.claudebottle.sidecar;

import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * The part of a DNS query the sink needs: its header and its first question (RFC 1035 §4.1). Only
 * reads, with a bounds check on every byte: the agent controls every byte of it. Compression
 * pointers are refused (a query has nothing to point back to), so a name cannot loop.
 *
 * @param id       the query's ID, echoed in the answer
 * @param flags    the query's flags word (opcode and RD are echoed)
 * @param name     the question's name, dot-separated, non-printable bytes as {@code \ddd}; empty for the root
 * @param type     the question's QTYPE
 * @param question the question section's bytes (name, QTYPE, QCLASS), echoed in the answer
 */
record DnsMessage(int id, int flags, String name, int type, byte[] question) {

    static final int HEADER = 12;
    static final int REFUSED = 5;
    static final int FORMERR = 1;
    private static final int MAX_NAME = 255;

    /** The query in {@code buf[0, length)}, or empty when even its header is incomplete (nothing to answer). */
    static Optional<Header> header(byte[] buf, int length) {
        if (length < HEADER || length > buf.length) {
            return Optional.empty();
        }
        return Optional.of(new Header(u16(buf, 0), u16(buf, 2), u16(buf, 4)));
    }

    /** The header's fields the sink reads: ID, flags and QDCOUNT. */
    record Header(int id, int flags, int questions) {
        boolean isQuery() {
            return (flags & 0x8000) == 0;
        }
    }

    /** The first question of a query, or empty when it is malformed (the sink then answers FORMERR). */
    static Optional<DnsMessage> parse(byte[] buf, int length) {
        Optional<Header> header = header(buf, length);
        if (header.isEmpty() || !header.get().isQuery() || header.get().questions() < 1) {
            return Optional.empty();
        }
        StringBuilder name = new StringBuilder();
        int at = HEADER;
        int nameBytes = 0;
        while (true) {
            if (at >= length) {
                return Optional.empty();
            }
            int label = buf[at] & 0xff;
            at++;
            if (label == 0) {
                break;
            }
            if ((label & 0xc0) != 0) {
                return Optional.empty(); // a compression pointer or a reserved label type
            }
            nameBytes += label + 1;
            if (nameBytes > MAX_NAME || at + label > length) {
                return Optional.empty();
            }
            if (!name.isEmpty()) {
                name.append('.');
            }
            for (int i = 0; i < label; i++) {
                int c = buf[at + i] & 0xff;
                if (c > 0x20 && c < 0x7f && c != '.' && c != '\\') {
                    name.append((char) c);
                } else {
                    name.append('\\').append(String.format("%03d", c));
                }
            }
            at += label;
        }
        if (at + 4 > length) {
            return Optional.empty();
        }
        int type = u16(buf, at);
        at += 4;
        byte[] question = new byte[at - HEADER];
        System.arraycopy(buf, HEADER, question, 0, question.length);
        return Optional.of(new DnsMessage(header.get().id(), header.get().flags(), name.toString(), type, question));
    }

    /** The answer to this query: the same ID and question, RCODE REFUSED, no records. */
    byte[] refusal() {
        return answer(id, flags, REFUSED, question);
    }

    /** An answer without a question (to a query the sink could not read): RCODE FORMERR. */
    static byte[] formatError(Header header) {
        return answer(header.id(), header.flags(), FORMERR, new byte[0]);
    }

    private static byte[] answer(int id, int queryFlags, int rcode, byte[] question) {
        // QR=1, the query's opcode and RD, RA=0 (the sink never recurses), the RCODE.
        int flags = 0x8000 | (queryFlags & 0x7900) | rcode;
        ByteBuffer out = ByteBuffer.allocate(HEADER + question.length);
        out.putShort((short) id).putShort((short) flags).putShort((short) (question.length == 0 ? 0 : 1))
                .putShort((short) 0).putShort((short) 0).putShort((short) 0).put(question);
        return out.array();
    }

    /** QTYPE as its mnemonic for the common types, else the number. */
    String typeName() {
        return switch (type) {
            case 1 -> "A";
            case 2 -> "NS";
            case 5 -> "CNAME";
            case 6 -> "SOA";
            case 12 -> "PTR";
            case 15 -> "MX";
            case 16 -> "TXT";
            case 28 -> "AAAA";
            case 33 -> "SRV";
            case 64 -> "SVCB";
            case 65 -> "HTTPS";
            case 255 -> "ANY";
            default -> Integer.toString(type);
        };
    }

    private static int u16(byte[] buf, int at) {
        return ((buf[at] & 0xff) << 8) | (buf[at + 1] & 0xff);
    }
}
