// N C++ threads that each construct a 256-byte thread_local object, sleep,
// check it and are joined (its destructor runs in the thread):
//   sleepers_tls N MILLISECONDS [STACK_KIB]
// pthread_create with a stack size, as a server would; the rest is C++.
#include <pthread.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

static long ms;
static std::atomic<long> constructed{0}, destroyed{0}, intact{0};

struct State {
    long id = -1;
    unsigned char bytes[256 - sizeof(long)];
    State() { constructed++; std::memset(bytes, 0, sizeof bytes); }
    ~State() { destroyed++; }
};
thread_local State state;

static void *sleeper(void *arg)
{
    long i = (long)arg;
    state.id = i;
    state.bytes[0] = (unsigned char)i;
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    if (state.id == i && state.bytes[0] == (unsigned char)i) intact++;
    return arg;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        std::fprintf(stderr, "usage: sleepers_tls N MILLISECONDS [STACK_KIB]\n");
        return 2;
    }
    int n = std::atoi(argv[1]);
    ms = std::atol(argv[2]);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    if (argc > 3) pthread_attr_setstacksize(&attr, (size_t)std::atol(argv[3]) * 1024);
    std::vector<pthread_t> t((size_t)n);
    int created = 0, joined = 0;
    for (; created < n; created++) {
        int r = pthread_create(&t[(size_t)created], &attr, sleeper, (void *)(long)created);
        if (r) {
            std::printf("pthread_create failed after %d threads: %s\n", created, std::strerror(r));
            break;
        }
    }
    for (int i = 0; i < created; i++) {
        void *ret;
        if (pthread_join(t[(size_t)i], &ret) == 0 && ret == (void *)(long)i) joined++;
    }
    std::printf("created %d, joined %d, thread_local objects constructed %ld, intact %ld, destroyed %ld\n",
                created, joined, constructed.load(), intact.load(), destroyed.load());
    return created == n ? 0 : 1;
}
