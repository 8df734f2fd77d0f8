package io.claudebottle.gitgate;

import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.sshd.ServerKeyDatabase;

import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The only host key the gate accepts for one upstream: the manifest's {@code KnownHostKey}.
 * Known-hosts files are never read, and a key is never learnt; an unknown or changed key fails the
 * connection, and {@link #lastRejection()} says which key was offered instead.
 */
final class PinnedHostKey implements ServerKeyDatabase {

    private static final Pattern KEY_TYPE = Pattern.compile("(ssh|ecdsa|sk)-[A-Za-z0-9@.-]+");

    private final String repo;
    private final String type;
    private final byte[] blob;
    private volatile String lastRejection;

    private PinnedHostKey(String repo, String type, byte[] blob) {
        this.repo = repo;
        this.type = type;
        this.blob = blob;
    }

    /** Parses {@code [hosts] <type> <base64> [comment]} (a known_hosts line or a .pub line). */
    static PinnedHostKey parse(String repo, String knownHostKey) {
        String[] tokens = knownHostKey.strip().split("\\s+");
        for (int i = 0; i + 1 < tokens.length; i++) {
            if (!KEY_TYPE.matcher(tokens[i]).matches()) continue;
            byte[] blob;
            try {
                blob = Base64.getDecoder().decode(tokens[i + 1]);
            } catch (IllegalArgumentException e) {
                break;
            }
            String blobType = new ByteArrayBuffer(blob).getString();
            if (!blobType.equals(tokens[i])) {
                throw new IllegalArgumentException("git-gate repo '" + repo + "': knownHostKey says " + tokens[i]
                        + " but its key data is " + blobType + "; copy the line from ssh-keyscan again");
            }
            return new PinnedHostKey(repo, tokens[i], blob);
        }
        throw new IllegalArgumentException("git-gate repo '" + repo
                + "': knownHostKey must look like '<type> <base64>' (e.g. 'ssh-ed25519 AAAA…', from ssh-keyscan)");
    }

    String fingerprint() {
        return type + " " + fingerprint(blob);
    }

    /** Why the last connection's host key was refused, or null. */
    String lastRejection() {
        return lastRejection;
    }

    @Override
    public List<PublicKey> lookup(String connectAddress, InetSocketAddress remoteAddress, Configuration config) {
        try {
            // Lets the client ask the server for the pinned key's algorithm first.
            return List.of(new ByteArrayBuffer(blob).getRawPublicKey());
        } catch (Exception unsupportedKeyType) {
            return List.of();
        }
    }

    @Override
    public boolean accept(String connectAddress, InetSocketAddress remoteAddress, PublicKey serverKey,
                          Configuration config, CredentialsProvider provider) {
        ByteArrayBuffer offered = new ByteArrayBuffer();
        offered.putRawPublicKey(serverKey);
        byte[] offeredBlob = offered.getCompactData();
        if (Arrays.equals(offeredBlob, blob)) {
            lastRejection = null;
            return true;
        }
        lastRejection = "host key mismatch for " + connectAddress + ": it offered " + KeyUtils.getKeyType(serverKey)
                + " " + fingerprint(offeredBlob) + " but KnownHostKey of '" + repo + "' pins " + fingerprint()
                + "; if the upstream really changed its key, update KnownHostKey in the bottle manifest";
        return false;
    }

    private static String fingerprint(byte[] keyBlob) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(keyBlob);
            return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
