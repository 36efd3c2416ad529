//! Reading 2-byte length-prefixed frames from a socket, with bounds and timeouts.

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::time::{timeout, timeout_at, Instant};

/// What a read produced.
#[derive(Debug)]
pub(crate) enum ReadOutcome {
    /// A whole frame, length prefix included.
    Frame(Vec<u8>),
    /// A zero length prefix: some terminals send it as a keep-alive.
    Heartbeat,
    /// The peer closed the connection between frames.
    Closed,
    /// No frame started within the idle timeout.
    Idle,
    /// A frame started but did not complete within the frame timeout.
    Stalled,
    /// The length prefix announces more than the profile allows.
    TooLarge(usize),
    /// The socket failed (or closed mid-frame).
    Failed(std::io::Error),
}

/// Reads one frame: the first byte may take up to `idle`, the rest must follow within `frame`.
pub(crate) async fn read_frame<R: AsyncRead + Unpin>(
    r: &mut R,
    max: usize,
    idle: Duration,
    frame: Duration,
) -> ReadOutcome {
    let mut len = [0u8; 2];
    match timeout(idle, r.read(&mut len[..1])).await {
        Err(_) => return ReadOutcome::Idle,
        Ok(Ok(0)) => return ReadOutcome::Closed,
        Ok(Ok(_)) => {}
        Ok(Err(e)) => return ReadOutcome::Failed(e),
    }
    let deadline = Instant::now() + frame;
    match timeout_at(deadline, r.read_exact(&mut len[1..])).await {
        Err(_) => return ReadOutcome::Stalled,
        Ok(Err(e)) => return ReadOutcome::Failed(e),
        Ok(Ok(_)) => {}
    }
    let n = usize::from(u16::from_be_bytes(len));
    if n == 0 {
        return ReadOutcome::Heartbeat;
    }
    if n > max {
        return ReadOutcome::TooLarge(n);
    }
    let mut body = vec![0u8; n];
    match timeout_at(deadline, r.read_exact(&mut body)).await {
        Err(_) => ReadOutcome::Stalled,
        Ok(Err(e)) => ReadOutcome::Failed(e),
        Ok(Ok(_)) => {
            let mut frame = Vec::with_capacity(2 + n);
            frame.extend_from_slice(&len);
            frame.extend_from_slice(&body);
            ReadOutcome::Frame(frame)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn frames_heartbeats_limits_and_timeouts() {
        let long = Duration::from_secs(5);
        let mut data: &[u8] = &[0, 3, 1, 2, 3, 0, 0];
        assert!(matches!(read_frame(&mut data, 10, long, long).await, ReadOutcome::Frame(f) if f == [0, 3, 1, 2, 3]));
        assert!(matches!(read_frame(&mut data, 10, long, long).await, ReadOutcome::Heartbeat));
        assert!(matches!(read_frame(&mut data, 10, long, long).await, ReadOutcome::Closed));
        let mut big: &[u8] = &[0x10, 0x01];
        assert!(matches!(read_frame(&mut big, 4096, long, long).await, ReadOutcome::TooLarge(4097)));
        let mut cut: &[u8] = &[0, 5, 1];
        assert!(matches!(read_frame(&mut cut, 10, long, long).await, ReadOutcome::Failed(_)));
        let (mut client, mut server) = tokio::io::duplex(64);
        let short = Duration::from_millis(50);
        assert!(matches!(read_frame(&mut server, 10, short, long).await, ReadOutcome::Idle));
        tokio::io::AsyncWriteExt::write_all(&mut client, &[0, 4, 1]).await.unwrap();
        assert!(matches!(read_frame(&mut server, 10, long, short).await, ReadOutcome::Stalled));
    }
}
