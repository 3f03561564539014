// make bench: C++ ping-pong between two threads, N round trips, printing
// nanoseconds per round trip. Modes: condvar (std::mutex +
// std::condition_variable: pthread calls) and atomic (std::atomic wait and
// notify: libstdc++'s raw futex system calls through syscall()). With a
// third argument "cpu", a second figure: the CPU time of the whole process
// (both threads) per round trip.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>
#include <time.h>

static long condvar(long n)
{
    std::mutex m;
    std::condition_variable cv;
    int turn = 0;
    std::thread other([&] {
        std::unique_lock<std::mutex> l(m);
        for (long i = 0; i < n; i++) {
            cv.wait(l, [&] { return turn == 1; });
            turn = 0;
            cv.notify_one();
        }
    });
    std::unique_lock<std::mutex> l(m);
    for (long i = 0; i < n; i++) {
        turn = 1;
        cv.notify_one();
        cv.wait(l, [&] { return turn == 0; });
    }
    l.unlock();
    other.join();
    return n;
}

static long atomic(long n)
{
    std::atomic<int> turn{0};
    std::thread other([&] {
        for (long i = 0; i < n; i++) {
            turn.wait(0);
            turn.store(0);
            turn.notify_one();
        }
    });
    for (long i = 0; i < n; i++) {
        turn.store(1);
        turn.notify_one();
        turn.wait(1);
    }
    other.join();
    return n;
}

static double cpu_ns()
{
    timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc != 3 && !(argc == 4 && std::strcmp(argv[3], "cpu") == 0)) {
        std::fprintf(stderr, "usage: %s condvar|atomic N [cpu]\n", argv[0]);
        return 2;
    }
    long n = std::atol(argv[2]);
    auto t0 = std::chrono::steady_clock::now();
    double c0 = cpu_ns();
    long done = std::strcmp(argv[1], "atomic") == 0 ? atomic(n) : condvar(n);
    auto ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0);
    if (argc == 4)
        std::printf("%.1f %.1f\n", (double)ns.count() / (double)done,
                    (cpu_ns() - c0) / (double)done);
    else
        std::printf("%.1f\n", (double)ns.count() / (double)done);
    return 0;
}
