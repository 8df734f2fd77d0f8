package io.claudebottle.backend.smolvm;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteOpenMode;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.cfg.JsonNodeFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Sets a smolvm machine's egress allowlist ({@code allowed_cidrs}) directly in smolvm's state DB.
 *
 * <p><b>Why this exists.</b> smolvm 0.8.0 silently drops {@code --allow-cidr} when
 * {@code machine create} is given {@code --from <file>.smolmachine}: the machine's row is written
 * with {@code "allowed_cidrs": null}, so the VM would boot with unrestricted TSI egress — able to
 * reach every host loopback service and the internet. smolvm keeps each machine's configuration
 * as a JSON document in the SQLite DB {@code ~/Library/Application Support/smolvm/server/smolvm.db},
 * table {@code vms}, column {@code data}, and reads that row again at {@code machine start}. So the
 * backend patches the row between {@code machine create} and {@code machine start}; the VM then
 * starts with exactly the bottle's loopback alias {@code /32} allowed.
 *
 * <p>The document is written back as a BLOB, never as TEXT: smolvm reads the column as bytes, and
 * a TEXT value silently corrupts its later reads. Every other field of the document is kept as it
 * was (order, numbers and unknown fields included).
 *
 * <p><b>When it can go.</b> This is correct only because smolvm reads {@code allowed_cidrs} from
 * the row at start time. Once smolvm honours {@code --allow-cidr} together with {@code --from}
 * (check: after {@code machine create --from … --allow-cidr 127.0.0.16/32}, {@link #allowedCidrs}
 * already returns {@code [127.0.0.16/32]}), delete the {@link #forceAllowlist} call in
 * {@link SmolmachinesBackend#start} and this method with it. Keep the read-back check there: it
 * then verifies smolvm's own write, and still refuses to start a VM with an open allowlist.
 *
 * <p>On hosts other than macOS it does nothing but say so: the smolmachines backend is macOS-only.
 */
public final class SmolvmStateDb {

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            .build();
    private static final int BUSY_TIMEOUT_MILLIS = 5_000;
    static final String ALLOWED_CIDRS = "allowed_cidrs";

    private final Path dbFile;
    private final HostPlatform platform;
    private final Consumer<String> notice;

    /**
     * @param dbFile   smolvm's state DB
     * @param platform the host; anything but {@link HostPlatform#MACOS} makes the patch a no-op
     * @param notice   where the one-line notices go (the Linux no-op, the patch itself)
     */
    public SmolvmStateDb(Path dbFile, HostPlatform platform, Consumer<String> notice) {
        this.dbFile = dbFile;
        this.platform = platform;
        this.notice = notice;
    }

    /** The DB of the current user on this host. */
    public static SmolvmStateDb forThisHost(Consumer<String> notice) {
        return new SmolvmStateDb(defaultPath(Path.of(System.getProperty("user.home"))), HostPlatform.current(), notice);
    }

    /** Where smolvm 0.8 keeps its state DB on macOS, under the given home directory. */
    public static Path defaultPath(Path home) {
        return home.resolve("Library").resolve("Application Support").resolve("smolvm").resolve("server")
                .resolve("smolvm.db");
    }

    public Path dbFile() {
        return dbFile;
    }

    /**
     * Sets {@code allowed_cidrs} of machine {@code machineName} to {@code cidrs}, keeping every
     * other field. Call it after {@code smolvm machine create} and before {@code machine start}.
     *
     * @throws SmolvmException if the DB or the machine's row is missing, or the row is not a JSON object
     */
    public void forceAllowlist(String machineName, List<String> cidrs) {
        if (platform != HostPlatform.MACOS) {
            notice.accept("smolvm: not patching allowed_cidrs of machine '" + machineName + "' in " + dbFile
                    + ": the smolvm state-DB workaround applies to macOS only (this host: " + platform + ")");
            return;
        }
        requireDb();
        try (Connection db = open()) {
            // IMMEDIATE transaction: the write lock is taken before the read, so nobody changes the
            // row between our read and our write.
            db.setAutoCommit(false);
            try {
                ObjectNode record = readRecord(db, machineName);
                ArrayNode allowed = record.putArray(ALLOWED_CIDRS);
                cidrs.forEach(allowed::add);
                try (PreparedStatement update = db.prepareStatement("UPDATE vms SET data = ? WHERE name = ?")) {
                    update.setBytes(1, JSON.writeValueAsBytes(record));
                    update.setString(2, machineName);
                    update.executeUpdate();
                }
                db.commit();
            } catch (RuntimeException | SQLException e) {
                db.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new SmolvmException("could not patch allowed_cidrs of smolvm machine '" + machineName + "' in "
                    + dbFile + ": " + e.getMessage() + " (is another smolvm command holding the DB? retry)", e);
        }
        notice.accept("smolvm: machine '" + machineName + "' egress allowlist set to " + cidrs + " in " + dbFile);
    }

    /**
     * The machine's {@code allowed_cidrs} as smolvm will read it at start; empty if it is
     * {@code null} or absent (unrestricted egress).
     */
    public Optional<List<String>> allowedCidrs(String machineName) {
        requireDb();
        try (Connection db = open()) {
            JsonNode cidrs = readRecord(db, machineName).get(ALLOWED_CIDRS);
            if (cidrs == null || cidrs.isNull()) {
                return Optional.empty();
            }
            List<String> out = new ArrayList<>();
            cidrs.forEach(c -> out.add(c.asString()));
            return Optional.of(List.copyOf(out));
        } catch (SQLException e) {
            throw new SmolvmException("could not read smolvm machine '" + machineName + "' from " + dbFile + ": "
                    + e.getMessage(), e);
        }
    }

    private void requireDb() {
        if (!Files.isRegularFile(dbFile)) {
            throw new SmolvmException("smolvm state DB not found at " + dbFile + ": the allowlist of the agent VM "
                    + "cannot be enforced without it. Check that smolvm 0.8 is installed (`smolvm --version`) and "
                    + "has created a machine at least once; if your smolvm keeps its DB elsewhere, it is a version "
                    + "this backend does not support yet.");
        }
    }

    private Connection open() throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        // Never create the DB: a fresh empty file would hide the real problem from smolvm and from us.
        config.resetOpenMode(SQLiteOpenMode.CREATE);
        config.setBusyTimeout(BUSY_TIMEOUT_MILLIS);
        config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        return config.createConnection("jdbc:sqlite:" + dbFile);
    }

    private ObjectNode readRecord(Connection db, String machineName) throws SQLException {
        byte[] data;
        try (PreparedStatement select = db.prepareStatement("SELECT data FROM vms WHERE name = ?")) {
            select.setString(1, machineName);
            try (ResultSet row = select.executeQuery()) {
                if (!row.next()) {
                    throw new SmolvmException("smolvm machine '" + machineName + "' has no row in " + dbFile
                            + " (table vms; machines there: " + machineNames(db) + "). Create it first with "
                            + "`smolvm machine create " + machineName + " --from …`, and make sure the name matches.");
                }
                data = row.getBytes(1);
            }
        }
        JsonNode record;
        try {
            record = data == null ? null : JSON.readTree(data);
        } catch (JacksonException e) {
            throw new SmolvmException("smolvm machine '" + machineName + "' in " + dbFile
                    + " does not hold a JSON document in vms.data (" + e.getOriginalMessage()
                    + "); recreate the machine with `smolvm machine delete " + machineName + " -f` and retry.", e);
        }
        if (!(record instanceof ObjectNode object)) {
            throw new SmolvmException("smolvm machine '" + machineName + "' in " + dbFile
                    + " does not hold a JSON object in vms.data; recreate the machine with `smolvm machine delete "
                    + machineName + " -f` and retry.");
        }
        return object;
    }

    private static List<String> machineNames(Connection db) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Statement list = db.createStatement();
             ResultSet rows = list.executeQuery("SELECT name FROM vms ORDER BY name LIMIT 20")) {
            while (rows.next()) {
                names.add(rows.getString(1));
            }
        }
        return names;
    }
}
