"""Peak resident memory of the current process, for the benchmark scripts and their children."""


def peak_rss_mb():
    """VmHWM of this process. Not ru_maxrss: Linux carries that across fork and exec, so a child of
    a (large) benchmark script would report at least the script's own peak."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0
