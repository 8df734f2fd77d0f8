package io.claudebottle.cli.demo;

/** Names the demo uses. They resolve only inside the demo bottle's sidecar, to this machine. */
public final class DemoHosts {
    private DemoHosts() {}

    /** The Messages API host Claude Code's cred-proxy route points at; the sidecar maps it to this machine. */
    public static final String API = "api.anthropic.com";
    /** An allowlisted HTTPS host (the fake upload service, also on this machine). */
    public static final String UPLOADS = "uploads.bottle-demo.test";
    /** A host that is on no allowlist; the egress proxy refuses it without resolving or dialling it. */
    public static final String BLOCKED = "blocked.bottle-demo.test";
    /** The SSH upstream of the demo bottle's {@code git:} entry. */
    public static final String GIT = "git.bottle-demo.test";
    public static final String GIT_REPO_NAME = "demo";
    /** What the agent clones: the git-gate, never the upstream. */
    public static final String GIT_URL = "git://git-gate:9418/" + GIT_REPO_NAME;
    /** What follows {@code AKIA} in the demo's AKIA-shaped key (not a real key; kept apart so no file holds it whole). */
    public static final String AWS_KEY_BODY = "Q7ZR2MX4KT6BVH3N";
    /**
     * Shell that puts the key in {@code $key}. The agent assembles it at run time: Claude Code sends
     * every command back to the model API in the conversation, and the egress DLP would (rightly)
     * block that request if it held the key.
     */
    static final String SET_KEY = "key=AKIA$(echo " + AWS_KEY_BODY + "); ";
}
