package dev.kscope.containers;

import dev.kscope.core.KscopeException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ContainerSelectorTest {
    private static Container c(String ns, String pod, String name, Map<String, String> labels) {
        return new Container("containerd", "a".repeat(64), name, "img", pod, ns, "uid", labels, 1, 2, 3, "/", null, "n");
    }

    private final Container web = c("default", "web", "httpd", Map.of("app", "web", "tier", "front"));
    private final Container db = c("prod", "db-0", "postgres", Map.of("app", "db"));
    private final Container bare = c("", "", "builder", Map.of());

    @Test
    void namespacePodAndContainerNameFilterLikeKubectl() {
        assertThat(List.of(web, db, bare)).filteredOn(ContainerSelector.all()::matches).hasSize(3);
        assertThat(List.of(web, db, bare)).filteredOn(new ContainerSelector("default", null, null, null, false)::matches).containsExactly(web);
        assertThat(List.of(web, db, bare)).filteredOn(ContainerSelector.pod("prod", "db-0")::matches).containsExactly(db);
        assertThat(List.of(web, db, bare)).filteredOn(new ContainerSelector(null, null, "builder", null, false)::matches).containsExactly(bare);
        assertThat(List.of(web, db, bare)).filteredOn(ContainerSelector.hostOnly()::matches).isEmpty();
        assertThat(ContainerSelector.all().selectsAll()).isTrue();
        assertThat(ContainerSelector.pod("default", "web").selectsAll()).isFalse();
    }

    @Test
    void labelSelectorsSupportEqualityAndSetTerms() {
        assertThat(match("app=web")).containsExactly(web);
        assertThat(match("app==web,tier=front")).containsExactly(web);
        assertThat(match("app!=web")).containsExactly(db, bare);
        assertThat(match("tier")).containsExactly(web);
        assertThat(match("!tier")).containsExactly(db, bare);
        assertThat(match("app in (web, db)")).containsExactly(web, db);
        assertThat(match("app notin (web),app")).containsExactly(db);
        assertThat(ContainerSelector.parseLabels("app in (db,web)").getFirst().toString()).startsWith("app in (");
    }

    @Test
    void badLabelSelectorNamesTheProblemAndTheSyntax() {
        assertThatThrownBy(() -> ContainerSelector.parseLabels("app=web,,x")).isInstanceOf(KscopeException.class)
                .hasMessageContaining("invalid label selector 'app=web,,x'").hasMessageContaining("k!=v");
        assertThatThrownBy(() -> ContainerSelector.parseLabels("a b=c")).isInstanceOf(KscopeException.class).hasMessageContaining("bad key");
    }

    private List<Container> match(String selector) {
        var s = new ContainerSelector(null, null, null, ContainerSelector.parseLabels(selector), false);
        return List.of(web, db, bare).stream().filter(s::matches).toList();
    }
}
