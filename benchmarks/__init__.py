"""Speed and memory benchmarks (run by `make bench`, never by `make test`)."""
