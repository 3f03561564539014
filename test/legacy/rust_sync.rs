// Rust's std threads and synchronisation as a program uses them (rustc -O,
// std only): Mutex, Condvar, RwLock, Once (and OnceLock where the compiler
// has it), park/unpark, mpsc channels (unbounded and sync_channel), scoped
// threads, Barrier, a mutex held across thread::sleep and across a socket
// read, 200 threads, and thread_local! values with Drop. On Linux, std's
// locks, condvars, Once and parking are raw futex system calls made through
// libc's syscall(). Every line printed is the same on any run.
use std::cell::RefCell;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Barrier, Condvar, Mutex, Once, RwLock};
use std::thread;
use std::time::{Duration, Instant};

fn mutex_and_threads() {
    let total = Arc::new(Mutex::new(0u64));
    let hs: Vec<_> = (0..200)
        .map(|_| {
            let total = Arc::clone(&total);
            thread::spawn(move || {
                for k in 0..100 {
                    *total.lock().unwrap() += 1;
                    if k % 25 == 0 {
                        thread::yield_now();
                    }
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    println!("200 threads x 100 increments under a Mutex: {}", *total.lock().unwrap());

    // held across a sleep: the others wait in the lock meanwhile
    let m = Arc::new(Mutex::new(Vec::new()));
    let held = Arc::new(AtomicBool::new(false));
    let holder = {
        let (m, held) = (Arc::clone(&m), Arc::clone(&held));
        thread::spawn(move || {
            let mut g = m.lock().unwrap();
            held.store(true, Ordering::SeqCst);
            thread::sleep(Duration::from_millis(30));
            g.push("holder");
        })
    };
    while !held.load(Ordering::SeqCst) {
        thread::sleep(Duration::from_millis(1));
    }
    let busy = m.try_lock().is_err();
    let waiters: Vec<_> = (0..5)
        .map(|i| {
            let m = Arc::clone(&m);
            thread::spawn(move || m.lock().unwrap().push(if i % 2 == 0 { "even" } else { "odd" }))
        })
        .collect();
    holder.join().unwrap();
    for w in waiters {
        w.join().unwrap();
    }
    let v = m.lock().unwrap();
    println!(
        "Mutex held across thread::sleep: try_lock busy {}, first {}, then {} more",
        busy,
        v[0],
        v.len() - 1
    );
}

fn mutex_across_socket_read() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let conn = Arc::new(Mutex::new(TcpStream::connect(addr).unwrap()));
    let (mut peer, _) = listener.accept().unwrap();
    let reading = Arc::new(AtomicBool::new(false));
    let reader = {
        let (conn, reading) = (Arc::clone(&conn), Arc::clone(&reading));
        thread::spawn(move || {
            let mut s = conn.lock().unwrap();
            reading.store(true, Ordering::SeqCst);
            let mut buf = [0u8; 5];
            s.read_exact(&mut buf).unwrap();
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    while !reading.load(Ordering::SeqCst) {
        thread::sleep(Duration::from_millis(1));
    }
    // the reader holds the lock while it waits for the peer: others run
    let mut ticks = 0;
    for _ in 0..5 {
        thread::sleep(Duration::from_millis(2));
        ticks += 1;
    }
    let busy = conn.try_lock().is_err();
    peer.write_all(b"hello").unwrap();
    let got = reader.join().unwrap();
    conn.lock().unwrap().write_all(b"back").unwrap();
    let mut buf = [0u8; 4];
    peer.read_exact(&mut buf).unwrap();
    println!(
        "Mutex held across a socket read: {} ticks meanwhile, try_lock busy {}, read {:?}, wrote {:?}",
        ticks,
        busy,
        got,
        String::from_utf8_lossy(&buf)
    );
}

fn condvar() {
    let pair = Arc::new((Mutex::new((Vec::new(), false)), Condvar::new()));
    let consumers: Vec<_> = (0..4)
        .map(|_| {
            let pair = Arc::clone(&pair);
            thread::spawn(move || {
                let (m, cv) = &*pair;
                let mut sum = 0u64;
                let mut g = m.lock().unwrap();
                loop {
                    while g.0.is_empty() && !g.1 {
                        g = cv.wait(g).unwrap();
                    }
                    match g.0.pop() {
                        Some(x) => sum += x,
                        None => return sum,
                    }
                }
            })
        })
        .collect();
    for i in 1..=2000u64 {
        let (m, cv) = &*pair;
        m.lock().unwrap().0.push(i);
        cv.notify_one();
        if i % 100 == 0 {
            thread::yield_now();
        }
    }
    {
        let (m, cv) = &*pair;
        m.lock().unwrap().1 = true;
        cv.notify_all();
    }
    let sum: u64 = consumers.into_iter().map(|h| h.join().unwrap()).sum();
    println!("Condvar: 4 consumers took {}", sum);

    let (m, cv) = &*pair;
    let t0 = Instant::now();
    let (g, res) = cv.wait_timeout(m.lock().unwrap(), Duration::from_millis(20)).unwrap();
    drop(g);
    println!(
        "Condvar wait_timeout(20ms), nobody notifies: timed out {}, not early {}",
        res.timed_out(),
        t0.elapsed() >= Duration::from_millis(20)
    );
    let (_g, res) = cv
        .wait_timeout_while(m.lock().unwrap(), Duration::from_millis(10), |_| true)
        .unwrap();
    println!("Condvar wait_timeout_while(10ms, always): timed out {}", res.timed_out());
}

fn rwlock() {
    let lock = Arc::new(RwLock::new(0u32));
    let inside = Arc::new(Barrier::new(10));
    let readers: Vec<_> = (0..10)
        .map(|_| {
            let (lock, inside) = (Arc::clone(&lock), Arc::clone(&inside));
            thread::spawn(move || {
                let g = lock.read().unwrap();
                inside.wait(); // all ten hold the read lock at once
                *g
            })
        })
        .collect();
    let n = readers.into_iter().filter(|_| true).map(|h| h.join().unwrap()).count();
    println!("RwLock: {} readers held it together", n);
    let hs: Vec<_> = (0..20)
        .map(|i| {
            let lock = Arc::clone(&lock);
            thread::spawn(move || {
                if i % 2 == 0 {
                    let mut g = lock.write().unwrap();
                    let v = *g;
                    thread::sleep(Duration::from_millis(1));
                    *g = v + 1;
                } else {
                    let _g = lock.read().unwrap();
                    thread::sleep(Duration::from_millis(1));
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    println!("RwLock: 10 writers across sleeps: {}", *lock.read().unwrap());
}

static INIT: Once = Once::new();
static INIT_CALLS: AtomicUsize = AtomicUsize::new(0);

#[cfg(has_oncelock)]
fn once_lock() -> usize {
    static CELL: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    let hs: Vec<_> = (0..10)
        .map(|i| {
            thread::spawn(move || {
                *CELL.get_or_init(|| {
                    thread::sleep(Duration::from_millis(5));
                    100 + i * 0
                })
            })
        })
        .collect();
    hs.into_iter().map(|h| h.join().unwrap()).sum()
}
#[cfg(not(has_oncelock))]
fn once_lock() -> usize {
    1000 // what ten threads reading one OnceLock of 100 sum to
}

fn once() {
    let hs: Vec<_> = (0..10)
        .map(|_| {
            thread::spawn(|| {
                INIT.call_once(|| {
                    thread::sleep(Duration::from_millis(5));
                    INIT_CALLS.fetch_add(1, Ordering::SeqCst);
                })
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    println!(
        "Once from 10 threads: {} call(s); OnceLock read by 10 threads sums to {}",
        INIT_CALLS.load(Ordering::SeqCst),
        once_lock()
    );
}

fn park() {
    let flag = Arc::new(AtomicBool::new(false));
    let t = {
        let flag = Arc::clone(&flag);
        thread::spawn(move || {
            while !flag.load(Ordering::SeqCst) {
                thread::park(); // may return spuriously: look again
            }
            true
        })
    };
    thread::sleep(Duration::from_millis(10));
    flag.store(true, Ordering::SeqCst);
    t.thread().unpark();
    println!("park/unpark: woken after the flag {}", t.join().unwrap());
    let t0 = Instant::now();
    thread::park_timeout(Duration::from_millis(20));
    let t1 = Instant::now();
    thread::current().unpark();
    thread::park(); // the token is there: returns at once
    println!(
        "park_timeout(20ms): not early {}; park with a token returns",
        t1 - t0 >= Duration::from_millis(20)
    );
}

fn channels() {
    let (tx, rx) = mpsc::channel();
    let hs: Vec<_> = (0..10u64)
        .map(|i| {
            let tx = tx.clone();
            thread::spawn(move || {
                for k in 0..100u64 {
                    tx.send(i * 1000 + k).unwrap();
                    if k % 10 == 0 {
                        thread::yield_now();
                    }
                }
            })
        })
        .collect();
    drop(tx);
    let sum: u64 = rx.iter().sum();
    for h in hs {
        h.join().unwrap();
    }
    println!("mpsc::channel: 10 senders x 100, sum {}", sum);

    let (tx, rx) = mpsc::sync_channel(2);
    let p = thread::spawn(move || {
        for i in 0..500u64 {
            tx.send(i).unwrap();
        }
    });
    thread::sleep(Duration::from_millis(5));
    let got: Vec<u64> = rx.iter().collect();
    p.join().unwrap();
    println!(
        "mpsc::sync_channel(2): {} values in order {}",
        got.len(),
        got.windows(2).all(|w| w[0] + 1 == w[1])
    );
    let (tx0, rx0) = mpsc::sync_channel::<u8>(0);
    let r = thread::spawn(move || rx0.recv().unwrap());
    tx0.send(7).unwrap();
    println!("mpsc::sync_channel(0) rendezvous: {}", r.join().unwrap());
    let (_tx, rx) = mpsc::channel::<u8>();
    let t0 = Instant::now();
    let r = rx.recv_timeout(Duration::from_millis(20));
    println!(
        "recv_timeout(20ms) on an empty channel: {:?}, not early {}",
        r,
        t0.elapsed() >= Duration::from_millis(20)
    );
}

fn scoped_and_barrier() {
    let mut data = vec![0u64; 16];
    let barrier = Barrier::new(16);
    let leaders = AtomicUsize::new(0);
    thread::scope(|s| {
        for (i, slot) in data.iter_mut().enumerate() {
            let (barrier, leaders) = (&barrier, &leaders);
            s.spawn(move || {
                *slot = i as u64 * 2;
                for _ in 0..5 {
                    if barrier.wait().is_leader() {
                        leaders.fetch_add(1, Ordering::SeqCst);
                    }
                }
            });
        }
    });
    println!(
        "thread::scope: 16 threads filled {}; Barrier: 5 rounds, {} leaders",
        data.iter().sum::<u64>(),
        leaders.load(Ordering::SeqCst)
    );
}

struct Tracked(usize);
static DROPPED: Mutex<Vec<usize>> = Mutex::new(Vec::new());
impl Drop for Tracked {
    fn drop(&mut self) {
        DROPPED.lock().unwrap().push(self.0);
    }
}
thread_local! {
    static MINE: RefCell<Option<Tracked>> = RefCell::new(None);
    static COUNT: RefCell<usize> = RefCell::new(0);
}

fn thread_locals() {
    let hs: Vec<_> = (0..20)
        .map(|i| {
            thread::spawn(move || {
                MINE.with(|m| *m.borrow_mut() = Some(Tracked(i)));
                for _ in 0..10 {
                    COUNT.with(|c| *c.borrow_mut() += 1);
                    thread::sleep(Duration::from_millis(1));
                }
                let mine = MINE.with(|m| m.borrow().as_ref().map(|t| t.0));
                mine == Some(i) && COUNT.with(|c| *c.borrow()) == 10
            })
        })
        .collect();
    let own = hs.into_iter().map(|h| h.join().unwrap()).filter(|&ok| ok).count();
    let mut dropped = DROPPED.lock().unwrap().clone();
    dropped.sort();
    println!(
        "thread_local!: {} of 20 threads saw only their own values; dropped at exit {:?}",
        own, dropped
    );
}

fn main() {
    mutex_and_threads();
    mutex_across_socket_read();
    condvar();
    rwlock();
    once();
    park();
    channels();
    scoped_and_barrier();
    thread_locals();
}
