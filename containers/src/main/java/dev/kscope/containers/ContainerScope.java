package dev.kscope.containers;

import dev.kscope.core.event.ContainerInfo;
import dev.kscope.core.event.ContainerLookup;
import dev.kscope.core.gadget.Gadget;
import dev.kscope.core.gadget.GadgetOptions;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Joins a gadget to the container collection, once for every gadget: events get their container (enrichment),
 * and a selector becomes the kernel's mount-namespace filter, kept up to date as containers come and go.
 *
 * <p>With a selector, the kernel traces selected containers, drops the host and unselected containers, and passes
 * up namespaces it has no verdict for yet; those are resolved through the runtime on their first event, so the
 * entrypoint of a container that starts while tracing is attributed and never missed.
 */
public final class ContainerScope implements ContainerLookup, ContainerListener {
    private static final long UNRESOLVED_TTL_NANOS = 2_000_000_000L;

    private final ContainerCollection collection;
    private final ContainerSelector selector;
    private final Map<Long, Cached> byMntns = new ConcurrentHashMap<>();
    private final Map<Long, Long> notContainers = new ConcurrentHashMap<>();
    private volatile Gadget<?> gadget;

    private record Cached(Container container, ContainerInfo info) {}

    public ContainerScope(ContainerCollection collection, ContainerSelector selector) {
        this.collection = collection;
        this.selector = selector;
    }

    /** The options with enrichment on and, unless the selector takes everything, the kernel filter set up. */
    public GadgetOptions apply(GadgetOptions options) {
        var withLookup = options.withContainers(this);
        if (selector.selectsAll()) return withLookup;
        var verdicts = new HashMap<Long, Boolean>();
        verdicts.put(collection.hostMntns(), selector.host());
        for (var c : collection.all()) {
            if (c.mntns() != 0) verdicts.put(c.mntns(), selector.matches(c));
        }
        return withLookup.withMntnsFilter(verdicts, selector.host() ? null : this::decide);
    }

    /** Starts following container starts and stops for this gadget; call after {@link Gadget#start()}. */
    public void follow(Gadget<?> gadget) {
        this.gadget = gadget;
        collection.addListener(this);
    }

    public void unfollow() {
        collection.removeListener(this);
        gadget = null;
    }

    @Override
    public void added(Container c) {
        var g = gadget;
        if (g != null && c.mntns() != 0 && g.options().mntnsFilter() != null) g.setMntnsVerdict(c.mntns(), !selector.host() && selector.matches(c));
    }

    @Override
    public void removed(Container c) {
        byMntns.remove(c.mntns());
        var g = gadget;
        if (g != null && c.mntns() != 0 && g.options().mntnsFilter() != null) g.forgetMntns(c.mntns());
    }

    private boolean decide(long mntns, int pid) {
        var c = resolve(mntns, pid);
        return c != null && selector.matches(c.container());
    }

    @Override
    public ContainerInfo lookup(long mntns, int pid) {
        var c = resolve(mntns, pid);
        return c == null ? null : c.info();
    }

    private Cached resolve(long mntns, int pid) {
        if (mntns == collection.hostMntns()) return null;
        var known = collection.byMntns(mntns);
        if (known.isEmpty()) {
            // a namespace the collection doesn't know (yet): ask the runtime once, and not again for a while if
            // it isn't a container (e.g. a service with private mounts)
            var since = notContainers.get(mntns);
            if (since != null && System.nanoTime() - since < UNRESOLVED_TTL_NANOS) return null;
            known = collection.resolve(mntns, pid);
            if (known.isEmpty()) {
                notContainers.put(mntns, System.nanoTime());
                return null;
            }
            notContainers.remove(mntns);
        }
        var container = known.get();
        var cached = byMntns.get(mntns);
        if (cached == null || cached.container() != container) {
            cached = new Cached(container, container.info());
            byMntns.put(mntns, cached);
        }
        return cached;
    }

}
