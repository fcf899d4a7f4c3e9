//! Resources whose server-rendered values the browser reads with `shared::json`, as it reads
//! server-function answers: one reader per type in the WASM, and no error-formatting code.

use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::future::Future;

pub struct JsonBytes;

impl<T: Serialize> Encoder<T> for JsonBytes {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, Self::Error> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> Decoder<T> for JsonBytes {
    type Error = shared::json::Error;
    type Encoded = str;

    fn decode(text: &str) -> Result<T, Self::Error> {
        shared::json::from_slice(text.as_bytes())
    }
}

pub type Loaded<T> = Resource<T, JsonBytes>;

/// `Resource::new`, with the codec above. In the browser the fetcher's future need not be
/// `Send` (the WASM has one thread): requests there are made with browser objects.
#[track_caller]
pub fn load<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Loaded<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: PartialEq + Clone + Send + Sync + 'static,
    Fut: Future<Output = T> + MaybeSend + 'static,
{
    #[cfg(feature = "hydrate")]
    let fetcher = move |s| send_wrapper::SendWrapper::new(fetcher(s));
    Resource::new_with_options(source, fetcher, false)
}

/// `Send`, except in the browser.
#[cfg(feature = "hydrate")]
pub trait MaybeSend {}
#[cfg(feature = "hydrate")]
impl<T> MaybeSend for T {}
#[cfg(not(feature = "hydrate"))]
pub trait MaybeSend: Send {}
#[cfg(not(feature = "hydrate"))]
impl<T: Send> MaybeSend for T {}
