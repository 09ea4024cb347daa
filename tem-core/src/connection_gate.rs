//! Keeps sequential calls through reqwest on one keep-alive connection, whatever the runtime
//! flavour. Only a client that may use a proxy sends through reqwest; the direct transport
//! (`crate::direct`) puts a connection back before its call returns and needs no gate.
//!
//! hyper-util's pool (under reqwest) takes an HTTP/1 connection back in a task it spawns, once
//! the connection is idle again. On a multi-thread runtime that task can run after the caller
//! has read the whole reply and already asked for its next connection: the pool finds none
//! idle and starts connecting at once, racing the new connection against the checkout, and a
//! connect once started is completed even when the checkout wins. Twenty sequential calls
//! opened up to 17 connections that way.
//!
//! The gate stands before every new connection, to the proxy or to the endpoint, by name or by
//! address, as a layer in front of reqwest's connector (a resolver would not see a proxy or an
//! endpoint given by address). A connect asked for while a connection
//! of this client was handed back moments ago, and not taken since, waits: until the handed
//! back connection is taken by the call (its checkout won; the waiting connect then gives up
//! without opening anything), until no such connection is left, or at most [`RETURN_GRACE`]
//! after the hand-back, in case it never reaches the pool (the server closed it). Only as many
//! hand-backs count as the pool keeps idle connections: one it drops (none kept, or the pool
//! full) never comes, and a connect waiting for it would wait the whole grace for nothing.
//!
//! Which call a connect belongs to is known from a task-local set while the call's request is
//! sent: the pool asks for the connection from the caller's task, and moves a connect that lost
//! to the checkout into a task of its own.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// How long after a connection was handed back a connect waits for it, at most. The pool's task
/// takes it back within microseconds; this bounds the wait for one that never comes back.
pub(crate) const RETURN_GRACE: Duration = Duration::from_millis(100);

tokio::task_local! {
    /// Set while a call's request is being sent: whether a connection was opened for it.
    static OPENED_FOR_CALL: Cell<bool>;
}

/// Shared by a client and its connector layer.
#[derive(Debug, Clone)]
pub(crate) struct ConnectionGate {
    state: Arc<GateState>,
}

#[derive(Debug)]
struct GateState {
    /// Connections handed back after a complete reply, and not known to be taken since.
    handed_back: AtomicUsize,
    /// When the latest was handed back, microseconds after `epoch`.
    last_hand_back_us: AtomicU64,
    epoch: Instant,
    /// Connects waiting; only then is a change announced.
    waiting: AtomicUsize,
    /// The pool's limit of idle connections: more handed back are dropped, not kept.
    max_idle: usize,
    changed: Notify,
}

impl ConnectionGate {
    /// A gate for a pool keeping at most `max_idle` idle connections.
    pub(crate) fn new(max_idle: usize) -> Self {
        Self {
            state: Arc::new(GateState {
                handed_back: AtomicUsize::new(0),
                last_hand_back_us: AtomicU64::new(0),
                epoch: Instant::now(),
                waiting: AtomicUsize::new(0),
                max_idle,
                changed: Notify::new(),
            }),
        }
    }

    /// The layer to give `reqwest::ClientBuilder::connector_layer`. (reqwest applies its
    /// connect timeout around it: a wait here counts.)
    pub(crate) fn layer(&self) -> GateLayer {
        GateLayer { state: self.state.clone() }
    }

    /// Sends a request (`send` is reqwest's send future) as a call of this client: connects
    /// asked for while it runs belong to the call. Then records how the call got its connection.
    pub(crate) async fn send<T>(&self, send: impl Future<Output = T>) -> T {
        let (result, opened) = OPENED_FOR_CALL
            .scope(Cell::new(false), async {
                let result = send.await;
                (result, OPENED_FOR_CALL.with(Cell::get))
            })
            .await;
        if !opened {
            // The call took a pooled connection: maybe one that was handed back.
            let taken = self.state.handed_back.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1));
            if taken.is_ok() {
                self.state.announce();
            }
        }
        result
    }

    /// A call read its whole reply, and the connection stays open: it is on its way back to
    /// the pool.
    pub(crate) fn hand_back(&self) {
        self.state.handed_back_one();
    }
}

impl GateState {
    /// A connection is on its way into the pool: counted if the pool has room to keep it.
    fn handed_back_one(&self) {
        let max_idle = self.max_idle;
        if self
            .handed_back
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < max_idle).then_some(n + 1))
            .is_ok()
        {
            self.last_hand_back_us.store(self.epoch.elapsed().as_micros() as u64, Ordering::Release);
        }
        self.announce();
    }

    /// A connection was opened for a call.
    fn opened(&self, in_call: bool) {
        if OPENED_FOR_CALL.try_with(|opened| opened.set(true)).is_err() && in_call {
            // Finished after the call's checkout won: it goes idle into the pool.
            self.handed_back_one();
        }
    }

    fn announce(&self) {
        if self.waiting.load(Ordering::Acquire) > 0 {
            self.changed.notify_waiters();
        }
    }

    /// Waits while a handed-back connection may still reach the pool. `Err` when the connect is
    /// no longer needed: it was moved out of its call's task, so the call's checkout won.
    async fn wait_for_handed_back(&self, in_call: bool) -> Result<(), BoxError> {
        if !in_call {
            return Ok(());
        }
        self.waiting.fetch_add(1, Ordering::AcqRel);
        let outcome = async {
            loop {
                let changed = self.changed.notified();
                tokio::pin!(changed);
                changed.as_mut().enable();
                if OPENED_FOR_CALL.try_with(|_| ()).is_err() {
                    return Err(BoxError::from("a pooled connection served the call; this connection is not needed"));
                }
                if self.handed_back.load(Ordering::Acquire) == 0 {
                    return Ok(());
                }
                let since = Duration::from_micros(self.last_hand_back_us.load(Ordering::Acquire));
                let deadline = self.epoch + since + RETURN_GRACE;
                if Instant::now() >= deadline || tokio::time::timeout_at(deadline, changed).await.is_err() {
                    // Whatever was handed back did not come: forget it rather than wait again.
                    if OPENED_FOR_CALL.try_with(|_| ()).is_err() {
                        continue;
                    }
                    self.handed_back.store(0, Ordering::Release);
                    return Ok(());
                }
            }
        }
        .await;
        self.waiting.fetch_sub(1, Ordering::AcqRel);
        outcome
    }
}

/// The connector layer of [`ConnectionGate`].
#[derive(Debug, Clone)]
pub(crate) struct GateLayer {
    state: Arc<GateState>,
}

impl<S> tower_layer::Layer<S> for GateLayer {
    type Service = GatedConnector<S>;

    fn layer(&self, inner: S) -> Self::Service {
        GatedConnector { inner, state: self.state.clone() }
    }
}

/// reqwest's connector behind the gate.
#[derive(Debug, Clone)]
pub(crate) struct GatedConnector<S> {
    inner: S,
    state: Arc<GateState>,
}

impl<S, R> tower_service::Service<R> for GatedConnector<S>
where
    S: tower_service::Service<R, Error = BoxError> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Response: Send + 'static,
    R: Send + 'static,
{
    type Response = S::Response;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, destination: R) -> Self::Future {
        // The pool asks for a connection from the caller's task.
        let in_call = OPENED_FOR_CALL.try_with(|_| ()).is_ok();
        // The inner service was made ready by `poll_ready`; a clone of it would not be.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let state = self.state.clone();
        Box::pin(async move {
            state.wait_for_handed_back(in_call).await?;
            let connection = inner.call(destination).await?;
            state.opened(in_call);
            Ok(connection)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower_layer::Layer;
    use tower_service::Service;

    /// A connector whose connections come at once.
    #[derive(Clone)]
    struct FakeConnector;

    impl Service<()> for FakeConnector {
        type Response = &'static str;
        type Error = BoxError;
        type Future = Pin<Box<dyn Future<Output = Result<&'static str, BoxError>> + Send>>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, (): ()) -> Self::Future {
            Box::pin(async { Ok("connected") })
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_connect_waits_for_a_connection_just_handed_back_at_most_the_grace() {
        let gate = ConnectionGate::new(10);
        let mut connector = gate.layer().layer(FakeConnector);
        // The pool asks for the connection while the call's request is being sent.
        // Nothing handed back: at once.
        let started = Instant::now();
        assert_eq!(gate.send(async { connector.call(()).await }).await.unwrap(), "connected");
        assert_eq!(started.elapsed(), Duration::ZERO);
        // Handed back and never taken (say the server closed it): after the grace, and the
        // next connect does not wait again.
        gate.hand_back();
        let started = Instant::now();
        assert_eq!(gate.send(async { connector.call(()).await }).await.unwrap(), "connected");
        assert_eq!(started.elapsed(), RETURN_GRACE);
        let started = Instant::now();
        assert_eq!(gate.send(async { connector.call(()).await }).await.unwrap(), "connected");
        assert_eq!(started.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn a_connect_moved_out_of_its_call_gives_up_once_the_call_took_a_pooled_connection() {
        let gate = ConnectionGate::new(10);
        let mut connector = gate.layer().layer(FakeConnector);
        gate.hand_back();
        // The call asks for a connection; the handed-back one is still on its way.
        let connecting = OPENED_FOR_CALL.sync_scope(Cell::new(false), || connector.call(()));
        // Its checkout wins: the connect goes on in a task of its own while the call, served
        // by the pooled connection, is answered.
        let background = tokio::spawn(connecting);
        tokio::task::yield_now().await;
        gate.send(async {}).await;
        let outcome = background.await.unwrap();
        assert!(outcome.is_err(), "no connection is opened for nothing");
    }

    /// Before this, a client keeping no idle connection waited the whole grace before every
    /// connect after its first call (100 ms a call), and one whose pool was full waited for the
    /// connections the pool dropped.
    #[tokio::test(start_paused = true)]
    async fn connections_the_pool_does_not_keep_are_not_waited_for() {
        // None kept.
        let gate = ConnectionGate::new(0);
        let mut connector = gate.layer().layer(FakeConnector);
        gate.hand_back();
        let started = Instant::now();
        assert_eq!(gate.send(async { connector.call(()).await }).await.unwrap(), "connected");
        assert_eq!(started.elapsed(), Duration::ZERO);
        // One kept, two handed back: the next call takes the one kept, and the following
        // connect does not wait for the one dropped.
        let gate = ConnectionGate::new(1);
        let mut connector = gate.layer().layer(FakeConnector);
        gate.hand_back();
        gate.hand_back();
        gate.send(async {}).await;
        let started = Instant::now();
        assert_eq!(gate.send(async { connector.call(()).await }).await.unwrap(), "connected");
        assert_eq!(started.elapsed(), Duration::ZERO);
    }
}
