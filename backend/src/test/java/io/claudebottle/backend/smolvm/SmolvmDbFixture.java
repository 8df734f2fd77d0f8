package io.claudebottle.backend.smolvm;

import java.nio.charset.StandardCharsets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** A stand-in for smolvm's state DB: same table and column, rows written the way smolvm writes them. */
final class SmolvmDbFixture {

    /** A machine row as smolvm 0.8.0 leaves it after {@code machine create --from … --allow-cidr …}. */
    static final String CREATED_FROM_SMOLMACHINE = """
            {"name":"%s","state":"created","cpus":4,"mem":8192,"mounts":[["/Users/me/src","/workspace",false]],\
            "ports":[[8080,80]],"network":true,"allowed_cidrs":null,"image":"claude-bottle-agent:latest",\
            "source_smolmachine":"/Users/me/.claude-bottle/agent.smolmachine","env":[["LANG","C.UTF-8"]],\
            "cpu_share":1.50,"big":12345678901234567890,"note":"caf\\u00e9 ✓","nested":{"a":[1,2.0,{"b":null}]},\
            "pid":null,"future_field_smolvm_adds_later":{"x":true}}""";

    final Path file;

    SmolvmDbFixture(Path file) throws SQLException, IOException {
        this.file = file;
        Files.createDirectories(file.getParent());
        try (Connection db = connect(); Statement s = db.createStatement()) {
            s.execute("CREATE TABLE vms (name TEXT PRIMARY KEY, data BLOB NOT NULL)");
        }
    }

    Connection connect() throws SQLException {
        return DriverManager.getConnection("jdbc:sqlite:" + file);
    }

    void insertBlob(String name, String json) throws SQLException {
        try (Connection db = connect();
             PreparedStatement insert = db.prepareStatement("INSERT INTO vms (name, data) VALUES (?, ?)")) {
            insert.setString(1, name);
            insert.setBytes(2, json.getBytes(StandardCharsets.UTF_8));
            insert.executeUpdate();
        }
    }

    /** What a careless writer does: the document as TEXT, which smolvm then misreads. */
    void insertText(String name, String json) throws SQLException {
        try (Connection db = connect();
             PreparedStatement insert = db.prepareStatement("INSERT INTO vms (name, data) VALUES (?, ?)")) {
            insert.setString(1, name);
            insert.setString(2, json);
            insert.executeUpdate();
        }
    }

    String typeOf(String name) throws SQLException {
        return query("SELECT typeof(data) FROM vms WHERE name = ?", name);
    }

    byte[] data(String name) throws SQLException {
        try (Connection db = connect();
             PreparedStatement select = db.prepareStatement("SELECT data FROM vms WHERE name = ?")) {
            select.setString(1, name);
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? row.getBytes(1) : null;
            }
        }
    }

    private String query(String sql, String name) throws SQLException {
        try (Connection db = connect(); PreparedStatement select = db.prepareStatement(sql)) {
            select.setString(1, name);
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? row.getString(1) : null;
            }
        }
    }

    /** Reads an existing DB (e.g. one a fake smolvm wrote). */
    static final class Reader {
        private final Path file;

        Reader(Path file) {
            this.file = file;
        }

        java.util.List<String> names() throws SQLException {
            java.util.List<String> names = new java.util.ArrayList<>();
            try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + file);
                 Statement s = db.createStatement();
                 ResultSet rows = s.executeQuery("SELECT name FROM vms ORDER BY name")) {
                while (rows.next()) {
                    names.add(rows.getString(1));
                }
            }
            return names;
        }

        /** SQLite's storage class of the machine's {@code data}: {@code blob} is what smolvm can read. */
        String typeOf(String name) throws SQLException {
            try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + file);
                 PreparedStatement select = db.prepareStatement("SELECT typeof(data) FROM vms WHERE name = ?")) {
                select.setString(1, name);
                try (ResultSet row = select.executeQuery()) {
                    return row.next() ? row.getString(1) : null;
                }
            }
        }
    }
}
