// C++20 threads and synchronisation as a program uses them, built with
// g++ -std=c++20 -pthread and nothing else: std::thread, std::async and
// futures, std::mutex / timed_mutex / shared_mutex, condition_variable and
// condition_variable_any (with a stop_token), std::jthread, std::latch,
// std::barrier, std::atomic::wait/notify, std::counting_semaphore,
// std::call_once. libstdc++ implements the C++20 waits (atomic wait, latch,
// barrier, semaphores, futures) with raw futex system calls made through
// syscall(). Every line printed is the same on any run, natively or not.
#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <future>
#include <latch>
#include <mutex>
#include <numeric>
#include <semaphore>
#include <shared_mutex>
#include <stop_token>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

static void threads_and_mutex()
{
    std::mutex m;
    long total = 0;
    std::vector<std::thread> ts;
    for (int i = 0; i < 50; i++)
        ts.emplace_back([&] {
            for (int k = 0; k < 1000; k++) {
                std::lock_guard<std::mutex> g(m);
                total++;
                if (k % 100 == 0) std::this_thread::yield();
            }
        });
    for (auto &t : ts) t.join();
    std::printf("50 std::threads x 1000 increments under a std::mutex: %ld\n", total);

    std::timed_mutex tm;
    std::atomic<bool> held{false}, tried{false};
    std::thread holder([&] {
        std::lock_guard<std::timed_mutex> g(tm);
        held = true;
        held.notify_one();
        // Sleeps holding it until main has tried: a fixed sleep could end
        // before main even runs on a loaded machine.
        do std::this_thread::sleep_for(10ms);
        while (!tried);
    });
    held.wait(false);
    auto t0 = std::chrono::steady_clock::now();
    bool got = tm.try_lock_for(20ms);
    bool waited = std::chrono::steady_clock::now() - t0 >= 20ms;
    if (got) tm.unlock();
    tried = true;
    std::printf("timed_mutex held across a sleep: try_lock_for(20ms) %s, waited %s\n",
                got ? "got it" : "timed out", waited ? "the full 20 ms" : "LESS");
    holder.join();
    got = tm.try_lock_for(20ms);
    std::printf("after the holder ended: try_lock_for %s\n", got ? "got it" : "timed out");
    if (got) tm.unlock();
}

static void async_and_futures()
{
    std::vector<std::future<long>> fs;
    for (int i = 0; i < 20; i++)
        fs.push_back(std::async(std::launch::async, [i] {
            std::this_thread::sleep_for(1ms);
            long s = 0;
            for (int k = 0; k <= i * 100; k++) s += k;
            return s;
        }));
    long sum = 0;
    for (auto &f : fs) sum += f.get();
    std::printf("20 std::async tasks: sum %ld\n", sum);
    auto d = std::async(std::launch::deferred, [] { return 42; });
    std::printf("deferred: %d\n", d.get());

    std::promise<int> p;
    std::future<int> f = p.get_future();
    std::atomic<bool> asked{false};
    std::thread setter([&] {
        asked.wait(false); // not a fixed sleep: main may run late under load
        std::this_thread::sleep_for(5ms);
        p.set_value(7);
    });
    auto st = f.wait_for(5ms);
    asked = true;
    asked.notify_one();
    std::printf("future.wait_for(5ms) before the value: %s\n",
                st == std::future_status::timeout ? "timeout" : "ready");
    std::printf("future.get(): %d\n", f.get());
    setter.join();

    std::packaged_task<int(int)> task([](int x) { return x * 3; });
    auto tf = task.get_future();
    std::thread runner(std::move(task), 14);
    std::printf("packaged_task on a thread: %d\n", tf.get());
    runner.join();

    std::promise<void> go;
    std::shared_future<void> sf = go.get_future().share();
    std::atomic<int> started{0};
    std::vector<std::thread> ws;
    for (int i = 0; i < 10; i++)
        ws.emplace_back([&] {
            sf.wait();
            started++;
        });
    std::this_thread::sleep_for(5ms);
    int before = started;
    go.set_value();
    for (auto &t : ws) t.join();
    std::printf("shared_future: %d waiters ran before set_value, %d after\n", before,
                started.load());
}

static void shared_mutex()
{
    std::shared_mutex sm;
    std::latch all_in(10), tried(1);
    std::atomic<int> readers{0};
    std::vector<std::thread> ts;
    for (int i = 0; i < 10; i++)
        ts.emplace_back([&] {
            std::shared_lock<std::shared_mutex> g(sm);
            readers++;
            all_in.arrive_and_wait(); // all ten hold the lock at once
            tried.wait();             // until the writer has tried
        });
    all_in.wait();
    bool writer_blocked = !sm.try_lock();
    if (!writer_blocked) sm.unlock(); // a wrong answer is printed, not a hang
    tried.count_down();
    for (auto &t : ts) t.join();
    std::printf("shared_mutex: %d readers held it together; try_lock meanwhile %s\n",
                readers.load(), writer_blocked ? "failed" : "SUCCEEDED");
    int value = 0;
    ts.clear();
    for (int i = 0; i < 10; i++)
        ts.emplace_back([&, i] {
            if (i % 2) {
                std::unique_lock<std::shared_mutex> g(sm);
                int v = value;
                std::this_thread::sleep_for(1ms);
                value = v + 1;
            } else {
                std::shared_lock<std::shared_mutex> g(sm);
                std::this_thread::sleep_for(1ms);
            }
        });
    for (auto &t : ts) t.join();
    std::printf("shared_mutex: 5 writers across sleeps: %d\n", value);
}

static void condition_variables()
{
    std::mutex m;
    std::condition_variable not_empty, not_full;
    std::deque<int> q;
    long consumed = 0;
    int done_producers = 0;
    std::vector<std::thread> ts;
    for (int p = 0; p < 2; p++)
        ts.emplace_back([&, p] {
            for (int i = 1; i <= 1000; i++) {
                std::unique_lock<std::mutex> l(m);
                not_full.wait(l, [&] { return q.size() < 8; });
                q.push_back(p * 1000 + i);
                not_empty.notify_one();
            }
            std::lock_guard<std::mutex> l(m);
            done_producers++;
            not_empty.notify_all();
        });
    for (int c = 0; c < 4; c++)
        ts.emplace_back([&] {
            std::unique_lock<std::mutex> l(m);
            for (;;) {
                not_empty.wait(l, [&] { return !q.empty() || done_producers == 2; });
                if (q.empty()) return;
                consumed += q.front();
                q.pop_front();
                not_full.notify_one();
            }
        });
    for (auto &t : ts) t.join();
    std::printf("condition_variable: 2 producers, 4 consumers, sum %ld\n", consumed);

    std::unique_lock<std::mutex> l(m);
    auto t0 = std::chrono::steady_clock::now();
    auto st = not_empty.wait_for(l, 20ms);
    std::printf("condition_variable wait_for(20ms), nobody notifies: %s, %s\n",
                st == std::cv_status::timeout ? "timeout" : "no_timeout",
                std::chrono::steady_clock::now() - t0 >= 20ms ? "not early" : "EARLY");
    bool pred =
        not_empty.wait_until(l, std::chrono::system_clock::now() + 10ms, [] { return false; });
    std::printf("condition_variable wait_until(system_clock + 10ms, false): %d\n", pred);
    l.unlock();

    std::condition_variable_any cva;
    std::shared_mutex sm;
    bool flag = false;
    std::thread t([&] {
        std::this_thread::sleep_for(5ms);
        std::unique_lock<std::shared_mutex> g(sm);
        flag = true;
        cva.notify_all();
    });
    {
        std::shared_lock<std::shared_mutex> g(sm);
        cva.wait(g, [&] { return flag; });
    }
    t.join();
    std::printf("condition_variable_any on a shared_lock: woken, flag %d\n", flag);

    std::mutex m2;
    std::jthread jt([&](std::stop_token st) {
        std::unique_lock<std::mutex> g(m2);
        bool r = cva.wait(g, st, [] { return false; });
        std::printf(
            "condition_variable_any wait with a stop_token: returned %d, stop requested %d\n", r,
            st.stop_requested());
    });
    std::this_thread::sleep_for(10ms);
    jt.request_stop();
    jt.join();
}

static void jthreads()
{
    std::atomic<int> callbacks{0};
    std::atomic<long> loops{0};
    {
        std::jthread jt([&](std::stop_token st) {
            std::stop_callback cb(st, [&] { callbacks++; });
            while (!st.stop_requested()) {
                loops++;
                std::this_thread::sleep_for(1ms);
            }
        });
        while (loops < 3) std::this_thread::sleep_for(1ms);
    } // the destructor requests stop and joins
    std::printf("jthread: stopped by its destructor, stop_callback ran %d time(s), looped %s\n",
                callbacks.load(), loops >= 3 ? "yes" : "no");
    std::stop_source src;
    std::vector<std::jthread> js;
    std::atomic<int> stopped{0};
    for (int i = 0; i < 20; i++)
        js.emplace_back([&, tok = src.get_token()] {
            while (!tok.stop_requested()) std::this_thread::sleep_for(1ms);
            stopped++;
        });
    std::this_thread::sleep_for(5ms);
    src.request_stop();
    js.clear();
    std::printf("20 jthreads stopped by one stop_source: %d\n", stopped.load());
}

static void latch_and_barrier()
{
    std::latch l(8);
    std::atomic<int> after{0};
    std::vector<std::thread> ts;
    for (int i = 0; i < 8; i++)
        ts.emplace_back([&] {
            l.arrive_and_wait();
            after++;
        });
    for (auto &t : ts) t.join();
    std::printf("latch: %d threads passed, try_wait %d\n", after.load(), l.try_wait());

    int phases = 0;
    std::vector<int> seen(10, 0);
    std::atomic<int> arrived{0};
    bool ok = true;
    std::barrier b(5, [&]() noexcept {
        if (arrived != 5 * (phases + 1)) ok = false;
        phases++;
    });
    ts.clear();
    for (int i = 0; i < 5; i++)
        ts.emplace_back([&] {
            for (int p = 0; p < 10; p++) {
                arrived++;
                b.arrive_and_wait();
            }
        });
    for (auto &t : ts) t.join();
    std::printf("barrier: 5 threads x 10 phases, completions %d, every phase complete %d\n", phases,
                ok);
}

static void atomic_waits()
{
    std::atomic<int> turn{0};
    const int rounds = 2000;
    std::thread other([&] {
        for (int i = 0; i < rounds; i++) {
            turn.wait(0);
            turn.store(0);
            turn.notify_one();
        }
    });
    for (int i = 0; i < rounds; i++) {
        turn.store(1);
        turn.notify_one();
        turn.wait(1);
    }
    other.join();
    std::printf("atomic<int> wait/notify ping-pong: %d round trips\n", rounds);

    std::atomic<bool> go{false};
    std::atomic<int> woke{0};
    std::vector<std::thread> ts;
    for (int i = 0; i < 30; i++)
        ts.emplace_back([&] {
            go.wait(false);
            woke++;
        });
    std::this_thread::sleep_for(5ms);
    int early = woke;
    go = true;
    go.notify_all();
    for (auto &t : ts) t.join();
    std::printf("atomic<bool> notify_all: %d woke early, %d after\n", early, woke.load());

    std::atomic<long long> big{0}; // not a futex-sized type: libstdc++'s waiter pool
    std::thread bt([&] {
        std::this_thread::sleep_for(2ms);
        big = 1LL << 40;
        big.notify_one();
    });
    big.wait(0);
    bt.join();
    std::printf("atomic<long long> wait: %lld\n", big.load());
}

static void semaphores()
{
    std::counting_semaphore<4> sem(4);
    std::atomic<int> in{0}, most{0};
    std::vector<std::thread> ts;
    for (int i = 0; i < 20; i++)
        ts.emplace_back([&] {
            sem.acquire();
            int n = ++in;
            int m = most;
            while (n > m && !most.compare_exchange_weak(m, n)) {
            }
            std::this_thread::sleep_for(2ms);
            in--;
            sem.release();
        });
    for (auto &t : ts) t.join();
    std::printf("counting_semaphore<4>: 20 threads, never more than 4 inside: %s\n",
                most <= 4 ? "yes" : "NO");

    std::counting_semaphore<1> empty(0);
    auto t0 = std::chrono::steady_clock::now();
    bool got = empty.try_acquire_for(20ms);
    std::printf("try_acquire_for(20ms) on 0: %s, %s\n", got ? "acquired" : "timed out",
                std::chrono::steady_clock::now() - t0 >= 20ms ? "not early" : "EARLY");

    std::binary_semaphore ping(0), pong(0);
    std::thread p([&] {
        for (int i = 0; i < 1000; i++) {
            ping.acquire();
            pong.release();
        }
    });
    for (int i = 0; i < 1000; i++) {
        ping.release();
        pong.acquire();
    }
    p.join();
    std::printf("binary_semaphore ping-pong: 1000 round trips\n");
}

static void once()
{
    std::once_flag flag;
    std::atomic<int> calls{0};
    std::vector<std::thread> ts;
    for (int i = 0; i < 10; i++)
        ts.emplace_back([&] {
            std::call_once(flag, [&] {
                std::this_thread::sleep_for(5ms);
                calls++;
            });
        });
    for (auto &t : ts) t.join();
    std::printf("call_once from 10 threads: %d call(s)\n", calls.load());
}

int main()
{
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    threads_and_mutex();
    async_and_futures();
    shared_mutex();
    condition_variables();
    jthreads();
    latch_and_barrier();
    atomic_waits();
    semaphores();
    once();
    return 0;
}
