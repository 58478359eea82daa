package dev.hotserve.core.testing;

import dev.hotserve.source.CheckpointFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** The real file system, counting stats, listings and opens, so tests can prove resolution costs O(1). */
public final class CountingFiles implements CheckpointFiles {

    private final CheckpointFiles delegate = CheckpointFiles.system();
    private final AtomicLong stats = new AtomicLong();
    private final AtomicLong listings = new AtomicLong();
    private final AtomicLong opens = new AtomicLong();

    @Override
    public Stat stat(Path path) throws IOException {
        stats.incrementAndGet();
        return delegate.stat(path);
    }

    @Override
    public List<Path> list(Path directory) throws IOException {
        listings.incrementAndGet();
        return delegate.list(directory);
    }

    @Override
    public InputStream open(Path file) throws IOException {
        opens.incrementAndGet();
        return delegate.open(file);
    }

    public long stats() {
        return stats.get();
    }

    public long listings() {
        return listings.get();
    }

    public long opens() {
        return opens.get();
    }
}
