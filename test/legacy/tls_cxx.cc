// Thread-local storage as a C++ program expects it (issue 11, items 1-4):
// thread_local objects constructed on first use in each thread and destroyed
// when that thread ends (returning, or through std::thread/std::async), a
// thread_local int per thread across std::mutex/std::condition_variable
// waits, and libstdc++'s exception state per thread: an exception being
// handled (inside catch, across a blocking call, then rethrown with throw;)
// is unaffected by other threads throwing and catching meanwhile;
// std::current_exception and std::uncaught_exceptions per thread. The
// output is the same whatever the scheduling.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

static std::mutex log_mu;
static std::vector<std::string> dtor_log;
static std::atomic<int> ctors{0}, dtors{0}, wrong{0};

thread_local int t_idx = -1;

struct Obj {
    int owner;
    char payload[256];
    Obj() : owner(t_idx), payload{} { ctors++; }
    ~Obj()
    {
        dtors++;
        // runs in the thread it belongs to, after its last use
        if (owner != t_idx || payload[0] != (char)(owner & 0x7f)) wrong++;
    }
};
thread_local Obj t_obj;

// ---- 1: thread_local int across mutex/condvar waits ----------------------

static std::mutex mu;
static std::condition_variable cv;
static int round_no, ready;

static void waiter(int i)
{
    t_idx = i;
    t_obj.payload[0] = (char)(i & 0x7f);
    std::unique_lock<std::mutex> lk(mu);
    ready++;
    cv.notify_all();
    for (int r = 0; r < 3; r++) {
        cv.wait(lk, [&] { return round_no >= r + 1; });
        if (t_idx != i || t_obj.owner != i) wrong++;
    }
}

// ---- 4: exceptions across blocking calls ------------------------------------

struct Guard {
    int idx;
    ~Guard()
    {
        // runs during unwinding: this thread has one exception in flight,
        // whatever the others do while it sleeps
        std::this_thread::sleep_for(2ms);
        if (std::uncaught_exceptions() != 1) wrong++;
        if (t_idx != idx) wrong++;
    }
};

static void thrower(int i)
{
    t_idx = i;
    t_obj.payload[0] = (char)(i & 0x7f);
    std::string mine = "error of thread " + std::to_string(i);
    try {
        try {
            Guard g{i};
            throw std::runtime_error(mine);
        } catch (const std::runtime_error &e) {
            std::exception_ptr p = std::current_exception();
            std::this_thread::sleep_for(
                std::chrono::milliseconds(1 + i % 5)); // others throw meanwhile
            if (std::current_exception() != p || e.what() != mine) wrong++;
            if (std::uncaught_exceptions() != 0) wrong++;
            throw; // the same exception, from this thread's state
        }
    } catch (const std::runtime_error &e) {
        if (e.what() != mine) wrong++;
    }
    if (std::current_exception()) wrong++;
}

// ---- std::async ---------------------------------------------------------------

static int async_job(int i)
{
    t_idx = 1000 + i;
    t_obj.payload[0] = (char)((1000 + i) & 0x7f);
    std::this_thread::sleep_for(1ms);
    return t_idx == 1000 + i && t_obj.owner == 1000 + i ? i : -1;
}

int main()
{
    setvbuf(stdout, nullptr, _IOLBF, 0);
    t_idx = 0;
    (void)t_obj.owner; // main's own object

    std::vector<std::thread> ts;
    for (int i = 1; i <= 50; i++) ts.emplace_back(waiter, i);
    {
        std::unique_lock<std::mutex> lk(mu);
        cv.wait(lk, [] { return ready == 50; });
    }
    for (int r = 0; r < 3; r++) {
        std::this_thread::sleep_for(10ms);
        {
            std::lock_guard<std::mutex> lk(mu);
            round_no++;
        }
        cv.notify_all();
    }
    for (auto &t : ts) t.join();
    ts.clear();
    std::printf(
        "thread_local across condvar waits: 50 threads, %d wrong, constructed %d, destroyed %d\n",
        wrong.load(), ctors.load(), dtors.load());

    for (int i = 1; i <= 50; i++) ts.emplace_back(thrower, i);
    for (auto &t : ts) t.join();
    ts.clear();
    std::printf("exceptions across blocking calls: 50 threads, %d wrong, destroyed %d\n",
                wrong.load(), dtors.load());

    std::vector<std::future<int>> fs;
    for (int i = 0; i < 20; i++) fs.push_back(std::async(std::launch::async, async_job, i));
    int sum = 0;
    for (auto &f : fs) sum += f.get();
    std::printf("std::async: sum %d, %d wrong, destroyed %d\n", sum, wrong.load(), dtors.load());

    // an exception from another thread, handed over through a future
    auto f = std::async(std::launch::async, [] {
        std::this_thread::sleep_for(1ms);
        throw std::logic_error("from the worker");
        return 0;
    });
    try {
        f.get();
    } catch (const std::logic_error &e) {
        std::printf("future rethrew: %s\n", e.what());
    }
    std::printf("main: t_idx %d, its object owner %d\n", t_idx, t_obj.owner);
    return wrong.load() != 0;
}
