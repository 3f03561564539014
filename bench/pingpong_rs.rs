// make bench: Rust ping-pong between two threads over std's Mutex and
// Condvar (raw futex system calls through libc's syscall()), N round trips,
// printing nanoseconds per round trip. The second thread is a
// std::thread ("std") or made with pthread_create ("pthread": no per-thread
// state of Rust's own, so it runs under the shim while thread-locals are
// shared).
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
    if args.len() != 3 {
        eprintln!("usage: {} std|pthread N", args[0]);
        std::process::exit(2);
    }
    let s = Arc::new(Shared { turn: Mutex::new(false), cv: Condvar::new(), n: args[2].parse().unwrap() });
    let t0 = Instant::now();
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
    println!("{:.1}", t0.elapsed().as_nanos() as f64 / s.n as f64);
}
