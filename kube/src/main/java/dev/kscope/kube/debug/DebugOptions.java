package dev.kscope.kube.debug;

import dev.kscope.core.KscopeException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Everything {@code kscope debug} was asked to do, with kubectl debug's flag names and defaults.
 * {@link #validate()} rejects the flag combinations kubectl rejects, with kubectl's reasons.
 */
public final class DebugOptions {
    public DebugTarget target;
    /** Debug image; null means "the configured default" where a new container is needed. */
    public String image;
    public String defaultImage = DebugConfig.BUILTIN_IMAGE;
    public String container;
    public String targetContainer;
    public Map<String, String> env = new LinkedHashMap<>();
    public List<String> args = new ArrayList<>();
    public boolean argsOnly;
    public boolean stdin;
    public boolean tty;
    /** null: attach when -i is set, like kubectl. */
    public Boolean attach;
    public boolean quiet;
    public Profile profile = Profile.GENERAL;
    public CustomProfile custom;
    public String imagePullPolicy;
    public String copyTo;
    public boolean replace;
    public boolean sameNode;
    public Map<String, String> setImages = new LinkedHashMap<>();
    /** null: leave the copy's shareProcessNamespace as the profile sets it (kubectl: only when the flag is given). */
    public Boolean shareProcesses;
    public KeepFlags keepFlags = KeepFlags.DEFAULTS;
    /** Keep the pod copy or node pod after the session ends. */
    public boolean keep;

    private static final Set<String> PULL_POLICIES = Set.of("Always", "IfNotPresent", "Never");

    /**
     * Docker image reference grammar (github.com/distribution/reference ReferenceRegexp):
     * [domain[:port]/]path[:tag][@digest], lower-case path components.
     */
    private static final Pattern IMAGE = Pattern.compile(
            "^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?/|\\[[a-fA-F0-9:]+\\](?::[0-9]+)?/)?"
                    + "[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*)*"
                    + "(?::[\\w][\\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$");

    public boolean attaching() {
        return attach != null ? attach : stdin;
    }

    public boolean copying() {
        return copyTo != null && !copyTo.isEmpty();
    }

    public void validate() {
        if (target == null) throw new KscopeException("no pod or node given (write 'kscope debug POD' or 'kscope debug node/NODE')");
        if (copying()) {
            if (target instanceof DebugTarget.NodeTarget) {
                throw new KscopeException("--copy-to only works on pods (drop --copy-to to debug node/" + target.name() + ")");
            }
            if (!args.isEmpty() && container == null && image == null && !setImages.isEmpty()) {
                throw new KscopeException("you must specify an existing container or a new image when specifying args (add --container NAME or --image IMAGE)");
            }
        } else {
            if (replace) throw new KscopeException("--replace may only be used with --copy-to (add --copy-to NAME)");
            if (sameNode) throw new KscopeException("--same-node may only be used with --copy-to (add --copy-to NAME)");
            if (!setImages.isEmpty()) throw new KscopeException("--set-image may only be used with --copy-to (add --copy-to NAME)");
            if (shareProcesses != null) throw new KscopeException("--share-processes may only be used with --copy-to (use --target CONTAINER to see its processes)");
        }
        if (image != null && !IMAGE.matcher(image).matches()) {
            throw new KscopeException("invalid image name \"" + image + "\": invalid reference format (write e.g. busybox:1.36 or registry.example.com/tools/netshoot@sha256:...)");
        }
        for (var e : setImages.entrySet()) {
            if (!IMAGE.matcher(e.getValue()).matches()) {
                throw new KscopeException("invalid image name \"" + e.getValue() + "\" for container \"" + e.getKey() + "\": invalid reference format (write --set-image CTR=IMAGE,*=IMAGE)");
            }
        }
        if (imagePullPolicy != null && !imagePullPolicy.isEmpty() && !PULL_POLICIES.contains(imagePullPolicy)) {
            throw new KscopeException("invalid image pull policy: " + imagePullPolicy + " (use Always, IfNotPresent or Never)");
        }
        if (targetContainer != null) {
            if (copying()) throw new KscopeException("--target is incompatible with --copy-to (use --share-processes instead)");
            if (target instanceof DebugTarget.NodeTarget) throw new KscopeException("--target only works on pods (a node debug pod already sees the host's processes)");
        }
        if (tty && !stdin) throw new KscopeException("-i/--stdin is required for containers with -t/--tty=true (add -i)");
        if (keep && !copying() && !(target instanceof DebugTarget.NodeTarget)) {
            throw new KscopeException("--keep only applies to --copy-to and node/NODE (ephemeral containers can never be removed from a pod)");
        }
    }

    /** The image of a new debug container: --image, else the configured default. */
    String debugImage() {
        return image != null ? image : defaultImage;
    }

    /** In a copy, whether a new container is added (kubectl: unless only --set-image or args for an existing container). */
    boolean copyAddsNoContainer(Set<String> existingNames) {
        if (container != null && existingNames.contains(container)) return false;
        return image == null && !setImages.isEmpty();
    }
}
