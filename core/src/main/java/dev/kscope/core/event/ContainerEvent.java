package dev.kscope.core.event;

/** An event that the enrichment stage attributed to a container (null: a host process or enrichment off). */
public interface ContainerEvent {
    ContainerInfo container();
}
