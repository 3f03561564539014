// make bench: Rust ping-pong between two threads over std's Mutex and
// Condvar (raw futex system calls through libc's syscall()), N round trips,
// printing nanoseconds per round trip. The second thread is a
// std::thread ("std") or made with pthread_create ("pthread": no per-thread
// state of Rust's own, so it runs under the shim while thread-locals are
// shared). With a third argument "cpu", a second figure: the CPU time of
// the whole process (both threads) per round trip.
use std::os::raw::{c_int, c_void};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Instant;

extern "C" {
    fn pthread_create(
        t: *mut usize,
        attr: *const c_void,
        f: extern "C" fn(*mut c_void) -> *mut c_void,
        arg: *mut c_void,
    ) -> c_int;
    fn pthread_join(t: usize, ret: *mut *mut c_void) -> c_int;
    fn clock_gettime(clock: c_int, ts: *mut [i64; 2]) -> c_int;
}

const CLOCK_PROCESS_CPUTIME_ID: c_int = 2;

fn cpu_ns() -> f64 {
    let mut ts = [0i64; 2];
    unsafe { clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    ts[0] as f64 * 1e9 + ts[1] as f64
}

struct Shared {
    turn: Mutex<bool>,
    cv: Condvar,
    n: u64,
}

fn pong(s: &Shared) {
    let mut g = s.turn.lock().unwrap();
    for _ in 0..s.n {
        while !*g {
            g = s.cv.wait(g).unwrap();
        }
        *g = false;
        s.cv.notify_one();
    }
}

extern "C" fn pong_c(p: *mut c_void) -> *mut c_void {
    pong(unsafe { &*(p as *const Shared) });
    std::ptr::null_mut()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 && !(args.len() == 4 && args[3] == "cpu") {
        eprintln!("usage: {} std|pthread N [cpu]", args[0]);
        std::process::exit(2);
    }
    let s = Arc::new(Shared { turn: Mutex::new(false), cv: Condvar::new(), n: args[2].parse().unwrap() });
    let t0 = Instant::now();
    let c0 = cpu_ns();
    let mut pt = 0usize;
    let st = if args[1] == "pthread" {
        let p = Arc::as_ptr(&s) as *mut c_void;
        assert_eq!(unsafe { pthread_create(&mut pt, std::ptr::null(), pong_c, p) }, 0);
        None
    } else {
        let s2 = Arc::clone(&s);
        Some(std::thread::spawn(move || pong(&s2)))
    };
    {
        let mut g = s.turn.lock().unwrap();
        for _ in 0..s.n {
            *g = true;
            s.cv.notify_one();
            while *g {
                g = s.cv.wait(g).unwrap();
            }
        }
    }
    match st {
        Some(h) => h.join().unwrap(),
        None => unsafe {
            pthread_join(pt, std::ptr::null_mut());
        },
    }
    let wall = t0.elapsed().as_nanos() as f64 / s.n as f64;
    if args.len() == 4 {
        println!("{:.1} {:.1}", wall, (cpu_ns() - c0) / s.n as f64);
    } else {
        println!("{:.1}", wall);
    }
}
