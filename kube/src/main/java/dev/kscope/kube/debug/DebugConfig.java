package dev.kscope.kube.debug;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.kscope.core.KscopeException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The {@code debug:} section of kscope's config file ({@code $XDG_CONFIG_HOME/kscope/config.yaml},
 * default {@code ~/.config/kscope/config.yaml}):
 * <pre>
 * debug:
 *   image: registry.example.com/tools/netshoot:v0.13   # default debug image
 *   profile: netadmin                                  # default --profile
 * </pre>
 */
public record DebugConfig(String image, Profile profile) {
    /** A debug image with network tools (tcpdump, dig, curl, ss, iperf3, ...), like netshoot's users expect. */
    public static final String BUILTIN_IMAGE = "nicolaka/netshoot:v0.13";

    public static final DebugConfig DEFAULTS = new DebugConfig(BUILTIN_IMAGE, Profile.GENERAL);

    public static Path defaultFile(Map<String, String> env) {
        var xdg = env.get("XDG_CONFIG_HOME");
        var base = xdg != null && !xdg.isEmpty() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".config");
        return base.resolve("kscope").resolve("config.yaml");
    }

    /** Reads {@code file}; a missing file means the defaults. */
    public static DebugConfig load(Path file) {
        if (!Files.exists(file)) return DEFAULTS;
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
        } catch (IOException e) {
            throw new KscopeException("cannot read config " + file + ": " + e.getMessage().lines().findFirst().orElse("")
                    + " (fix the YAML or move the file away)");
        }
        var debug = root == null ? null : root.get("debug");
        if (debug == null || debug.isNull()) return DEFAULTS;
        var image = debug.hasNonNull("image") ? debug.get("image").asText() : BUILTIN_IMAGE;
        var profile = Profile.GENERAL;
        if (debug.hasNonNull("profile")) {
            try {
                profile = Profile.parse(debug.get("profile").asText());
            } catch (KscopeException e) {
                throw new KscopeException(file + ": debug.profile: " + e.getMessage());
            }
        }
        return new DebugConfig(image, profile);
    }
}
