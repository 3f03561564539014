// Rust's std locks (Mutex, Condvar, RwLock, Once: raw futex system calls
// made through libc's syscall()) used by threads the program creates with
// pthread_create directly, as a Rust program embedding C code or a C
// program hosting Rust callbacks does. Unlike std::thread::spawn, this
// needs no per-thread state of Rust's own, so it shows the futex waits by
// themselves. rustc -O, std only.
use std::os::raw::{c_int, c_uint, c_void};
use std::sync::{Condvar, Mutex, Once, RwLock};
use std::time::{Duration, Instant};

extern "C" {
    fn pthread_create(
        t: *mut usize,
        attr: *const c_void,
        f: extern "C" fn(*mut c_void) -> *mut c_void,
        arg: *mut c_void,
    ) -> c_int;
    fn pthread_join(t: usize, ret: *mut *mut c_void) -> c_int;
    fn usleep(us: c_uint) -> c_int;
}

const THREADS: usize = 100;
static COUNT: Mutex<u64> = Mutex::new(0);
static GO: Condvar = Condvar::new();
static TABLE: RwLock<u64> = RwLock::new(0);
static INIT: Once = Once::new();
static INIT_CALLS: Mutex<u32> = Mutex::new(0);

extern "C" fn worker(_: *mut c_void) -> *mut c_void {
    for k in 0..100 {
        let mut g = COUNT.lock().unwrap();
        *g += 1;
        if k % 10 == 0 {
            unsafe { usleep(100) }; // the lock held across a sleep
        }
    }
    {
        let mut g = COUNT.lock().unwrap();
        while *g < (THREADS * 100) as u64 {
            g = GO.wait(g).unwrap();
        }
    }
    for _ in 0..10 {
        *TABLE.write().unwrap() += 1;
        let _r = TABLE.read().unwrap();
        unsafe { usleep(50) };
    }
    INIT.call_once(|| {
        unsafe { usleep(1000) };
        *INIT_CALLS.lock().unwrap() += 1;
    });
    std::ptr::null_mut()
}

fn main() {
    let mut ts = vec![0usize; THREADS];
    for t in ts.iter_mut() {
        assert_eq!(unsafe { pthread_create(t, std::ptr::null(), worker, std::ptr::null_mut()) }, 0);
    }
    loop {
        let g = COUNT.lock().unwrap();
        if *g >= (THREADS * 100) as u64 {
            GO.notify_all();
            break;
        }
        drop(g);
        unsafe { usleep(1000) };
    }
    for t in ts {
        unsafe { pthread_join(t, std::ptr::null_mut()) };
    }
    println!("Mutex: {} increments by {} threads", *COUNT.lock().unwrap(), THREADS);
    println!("RwLock: {} writes", *TABLE.read().unwrap());
    println!("Once: {} call(s)", *INIT_CALLS.lock().unwrap());
    let t0 = Instant::now();
    let (g, r) = GO.wait_timeout(COUNT.lock().unwrap(), Duration::from_millis(20)).unwrap();
    drop(g);
    println!(
        "Condvar wait_timeout(20ms): timed out {}, not early {}",
        r.timed_out(),
        t0.elapsed() >= Duration::from_millis(20)
    );
}
