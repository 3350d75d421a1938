package registry.tools;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.http.HttpServerTransport;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.transport.Netty4Plugin;

/**
 * A single-node OpenSearch for the registry's test suite and benchmarks.
 *
 * <p>The distribution's tarball is not on Maven Central, but the server and the module jars
 * are, so this builds a node from them: the server with the Netty HTTP/transport module loaded
 * as a classpath plugin (text arrives pre-segmented, so no analysis plugin is needed). It
 * binds to 127.0.0.1 only.
 *
 * <p>Usage: {@code OpenSearchNode HOME HTTP_PORT}. When the node answers HTTP it writes the
 * bound address to {@code HOME/ready} (atomically), so a script can wait for that file.
 */
public final class OpenSearchNode {

    private OpenSearchNode() {}

    /** Node's plugin-list constructor is protected; a subclass is the supported way in. */
    private static final class EmbeddedNode extends Node {
        EmbeddedNode(Environment environment) {
            super(environment, List.of(Netty4Plugin.class), true);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: OpenSearchNode HOME HTTP_PORT");
            System.exit(2);
        }
        Path home = Paths.get(args[0]).toAbsolutePath();
        String httpPort = args[1];
        Files.createDirectories(home.resolve("config"));
        Settings settings = Settings.builder()
            .put("path.home", home.toString())
            .put("path.data", home.resolve("data").toString())
            .put("path.logs", home.resolve("logs").toString())
            .put("cluster.name", "registry-test")
            .put("node.name", "registry-test-node")
            .put("network.host", "127.0.0.1")
            .put("http.port", httpPort)
            .put("transport.port", "0")
            .put("discovery.type", "single-node")
            .put("http.type", "netty4")
            .put("transport.type", "netty4")
            // A test machine's disk may be nearly full; the watermarks would turn indices read-only.
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .build();
        Environment environment = InternalSettingsPreparer.prepareEnvironment(
            settings, Map.of(), home.resolve("config"), () -> "registry-test-node");
        Node node = new EmbeddedNode(environment);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
            } catch (Exception e) {
                e.printStackTrace();
            }
            stopped.countDown();
        }));
        node.start();
        String address = node.injector().getInstance(HttpServerTransport.class)
            .boundAddress().publishAddress().toString();
        Path tmp = home.resolve("ready.tmp");
        Files.writeString(tmp, address + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, home.resolve("ready"), StandardCopyOption.ATOMIC_MOVE);
        System.out.println("opensearch node ready on " + address);
        stopped.await();
    }
}
