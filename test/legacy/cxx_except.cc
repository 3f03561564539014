// C++ threads that block while handling an exception, with no
// thread_local of their own (libstdc++'s exception state and call_once's
// callable are then the program's only thread-local storage). Each thread
// throws through a destructor that sleeps (std::uncaught_exceptions() is 1
// before and after), sleeps inside its catch while the others throw and
// catch, checks std::current_exception and std::rethrow_exception, sleeps
// again and rethrows with `throw;`; the outer catch must see its own
// exception. All of them go through one std::call_once whose callable
// sleeps. Same output natively however the threads interleave.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

static std::atomic<int> wrong{0}, intact{0}, once_runs{0};
static std::once_flag once;

struct Sleeper {
    ~Sleeper()
    {
        int before = std::uncaught_exceptions();
        std::this_thread::sleep_for(2ms);
        if (before != 1 || std::uncaught_exceptions() != 1) wrong++;
    }
};

static void work(int id)
{
    std::call_once(once, [] {
        std::this_thread::sleep_for(5ms);
        once_runs++;
    });
    const std::string mine = std::to_string(id);
    try {
        try {
            Sleeper s;
            throw std::runtime_error(mine);
        } catch (const std::runtime_error &e) {
            std::this_thread::sleep_for(5ms); // the others throw and catch meanwhile
            if (std::uncaught_exceptions() != 0 || e.what() != mine) wrong++;
            std::exception_ptr p = std::current_exception();
            try {
                std::rethrow_exception(p);
            } catch (const std::runtime_error &e2) {
                if (e2.what() != mine) wrong++;
            }
            std::this_thread::sleep_for(1ms);
            throw; // the exception this thread is handling, not another's
        }
    } catch (const std::runtime_error &e) {
        if (e.what() == mine)
            intact++;
        else
            wrong++;
    }
    if (std::current_exception()) wrong++; // handled: none left
}

int main()
{
    std::vector<std::thread> t;
    for (int i = 0; i < 20; i++) t.emplace_back(work, i);
    for (auto &x : t) x.join();
    std::printf("20 threads: %d rethrown intact, %d wrong; call_once ran %d time(s)\n",
                intact.load(), wrong.load(), once_runs.load());
    return 0;
}
