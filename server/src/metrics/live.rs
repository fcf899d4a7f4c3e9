//! The metrics read when Prometheus asks, from what the server keeps anyway: nothing on the
//! hot path counts them twice.

use crate::db::notify::PgBus;
use crate::db::{Db, PoolUse};
use crate::realtime::Hub;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::MetricType;
use std::sync::Arc;

pub struct Live {
    pub hub: Arc<Hub>,
    pub db: Db,
    pub bus: Option<Arc<PgBus>>,
}

impl std::fmt::Debug for Live {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Live")
    }
}

impl Collector for Live {
    fn encode(&self, mut encoder: DescriptorEncoder) -> std::fmt::Result {
        let open = ConstGauge::new(self.hub.connection_count() as i64);
        open.encode(encoder.encode_descriptor(
            "websockets_open",
            "WebSocket connections open in this process.",
            None,
            open.metric_type(),
        )?)?;

        let delivered = ConstCounter::new(self.hub.delivered());
        delivered.encode(encoder.encode_descriptor(
            "deliveries",
            "Frames queued to WebSocket connections by the fan-out.",
            None,
            delivered.metric_type(),
        )?)?;

        let pools = self
            .db
            .pools()
            .into_iter()
            .chain(self.bus.as_ref().map(|bus| bus.pool_use()));
        let mut family = encoder.encode_descriptor(
            "db_connections",
            "Database connections by pool, in use or idle.",
            None,
            MetricType::Gauge,
        )?;
        for PoolUse { pool, size, idle } in pools {
            let in_use = (size as usize).saturating_sub(idle);
            for (state, n) in [("in_use", in_use), ("idle", idle)] {
                let labels = [("pool", pool), ("state", state)];
                ConstGauge::new(n as i64).encode(family.encode_family(&labels)?)?;
            }
        }
        Ok(())
    }
}
