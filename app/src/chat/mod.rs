//! The live chat: what the signed-in person sees (conversations, threads, who is online or
//! typing) and how it changes as frames arrive.

// The live side runs only in the browser; the server renders the first view.
#![cfg_attr(not(feature = "hydrate"), allow(dead_code))]

pub mod address;
mod bubble;
mod changes;
mod ended;
mod events;
pub mod http;
mod links;
mod live;
pub mod panel;
mod search;
pub mod sidebar;
mod thread;
mod time;

pub use ended::ended_sentence;
pub use events::ask_notification_permission;
pub use thread::{rows, Item, Mode, Row, Status, Thread};
pub use time::{clock_time, redraw_times};

use leptos::prelude::*;
use shared::ws::ClientMsg;
use shared::{Conversation, ConversationId, Me, Message, MessageId, Timestamp, UserId};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// The state of the live channel, as the header shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    Connecting,
    Online,
    Reconnecting,
    /// The server refused one more connection for this person: trying again would not help.
    TooMany,
}

#[derive(Clone, Copy)]
pub struct Chat {
    pub me: StoredValue<Me>,
    pub conversations: RwSignal<Vec<Conversation>>,
    pub open: RwSignal<Option<ConversationId>>,
    pub threads: RwSignal<HashMap<ConversationId, Thread>>,
    pub link: RwSignal<Link>,
    pub online: RwSignal<HashSet<UserId>>,
    /// Who is typing where, and until when (milliseconds since the epoch).
    pub typing: RwSignal<HashMap<ConversationId, (UserId, f64)>>,
    /// How far each member has read, per conversation.
    pub seen: RwSignal<HashMap<(ConversationId, UserId), i64>>,
    /// The message the next one answers ("Replying to NAME").
    pub replying: RwSignal<Option<Message>>,
    /// A new conversation is being made: the message field waits for it, so that nothing
    /// typed meanwhile goes to the conversation still open.
    pub opening: RwSignal<bool>,
    /// Why the server refused a change, until the next one.
    pub refusal: RwSignal<Option<String>>,
    /// Changes sent and not answered yet, by their request's client id.
    changes: StoredValue<HashMap<Uuid, changes::PendingChange>>,
    outbox: StoredValue<Option<futures_sender::Sender>>,
}

/// The channel into the live connection; only the browser has one.
mod futures_sender {
    #[cfg(feature = "hydrate")]
    pub type Sender = futures::channel::mpsc::UnboundedSender<shared::ws::ClientMsg>;
    #[cfg(not(feature = "hydrate"))]
    pub type Sender = ();
}

pub fn use_chat() -> Chat {
    expect_context::<Chat>()
}

impl Chat {
    /// `open`: the conversation the address names, shown at once and loaded once live.
    pub fn provide(me: Me, conversations: Vec<Conversation>, open: Option<ConversationId>) -> Chat {
        let chat = Chat {
            me: StoredValue::new(me),
            conversations: RwSignal::new(conversations),
            open: RwSignal::new(open),
            threads: RwSignal::new(HashMap::new()),
            link: RwSignal::new(Link::Connecting),
            online: RwSignal::new(HashSet::new()),
            typing: RwSignal::new(HashMap::new()),
            seen: RwSignal::new(HashMap::new()),
            replying: RwSignal::new(None),
            opening: RwSignal::new(false),
            refusal: RwSignal::new(None),
            changes: StoredValue::new(HashMap::new()),
            outbox: StoredValue::new(None),
        };
        provide_context(chat);
        chat.remember_reads(&chat.conversations.get_untracked());
        live::start(chat);
        if let Some(id) = open {
            // Effects run in the browser only, after hydration.
            Effect::new(move |_| untrack(|| chat.open_conversation(id)));
        }
        address::follow(chat);
        chat
    }

    pub fn me_id(&self) -> UserId {
        self.me.read_value().user.id
    }

    pub fn conversation(&self, id: ConversationId) -> Option<Conversation> {
        self.conversations
            .read()
            .iter()
            .find(|c| c.id == id)
            .cloned()
    }

    /// The direct conversation with `other`, if the list has it.
    pub fn direct_with(&self, other: UserId) -> Option<ConversationId> {
        let me = self.me_id();
        let list = self.conversations.read_untracked();
        list.iter()
            .find(|c| {
                c.kind == shared::ConversationKind::Direct
                    && c.members.iter().any(|m| m.id == other)
                    && c.members.iter().all(|m| m.id == other || m.id == me)
            })
            .map(|c| c.id)
    }

    /// The name a conversation goes by: its title, or the other person's name.
    pub fn title_of(&self, conversation: &Conversation) -> String {
        if let Some(title) = &conversation.title {
            return title.clone();
        }
        let me = self.me_id();
        let others: Vec<&str> = conversation
            .members
            .iter()
            .filter(|m| m.id != me)
            .map(|m| m.display_name.as_str())
            .collect();
        if others.is_empty() {
            "Just you".into()
        } else {
            others.join(", ")
        }
    }

    pub fn unread_total(&self) -> i64 {
        self.conversations
            .read()
            .iter()
            .map(|c| c.unread_count)
            .sum()
    }

    fn send_frame(&self, frame: ClientMsg) -> bool {
        #[cfg(feature = "hydrate")]
        {
            let outbox = self.outbox.read_value();
            outbox
                .as_ref()
                .is_some_and(|tx| tx.unbounded_send(frame).is_ok())
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = frame;
            false
        }
    }

    /// Shows the message at once as pending and sends it; the ack turns it into sent. It
    /// answers the message being replied to, if any. It carries an image or a file, or neither.
    pub fn send_message(
        &self,
        conversation_id: ConversationId,
        text: String,
        img: Option<String>,
        file: Option<shared::FileRef>,
    ) {
        if self
            .threads
            .read_untracked()
            .get(&conversation_id)
            .is_some_and(|t| t.has_newer)
        {
            // Read from an older message: the new one goes below the newest, so load that.
            self.threads.write().remove(&conversation_id);
            self.open_conversation(conversation_id);
        }
        let client_id = Uuid::new_v4();
        let reply_to = self
            .replying
            .get_untracked()
            .filter(|m| m.conversation_id == conversation_id)
            .map(|m| shared::ReplyTo {
                id: m.id,
                seq: m.seq,
                sender_id: m.sender_id,
                text: m.text.chars().take(shared::REPLY_QUOTE_CHARS).collect(),
            });
        self.replying.set(None);
        let message = Message {
            id: MessageId(client_id),
            conversation_id,
            seq: 0,
            sender_id: self.me_id(),
            client_id,
            text,
            img,
            created_at: Timestamp(now_ms() as i64),
            rev: 0,
            edited_at: None,
            deleted: false,
            reply_to,
            reactions: Vec::new(),
            file,
        };
        self.threads
            .write()
            .entry(conversation_id)
            .or_default()
            .items
            .push(Item {
                message: message.clone(),
                status: Status::Pending,
                version: 0,
                mode: Mode::Reading,
            });
        self.transmit(&message);
    }

    /// Sends a message shown as pending; it fails at once when the connection is up and
    /// would not take it (down, it goes again after the reconnect).
    fn transmit(&self, message: &Message) {
        let frame = ClientMsg::Send {
            client_id: message.client_id,
            conversation_id: message.conversation_id,
            text: Some(message.text.clone()),
            img: message.img.clone(),
            reply_to: message.reply_to.as_ref().map(|r| r.id),
            file: message.file.as_ref().map(|f| f.url.clone()),
        };
        if !self.send_frame(frame) && self.link.get_untracked() == Link::Online {
            let (id, client_id) = (message.conversation_id, message.client_id);
            self.set_status(id, client_id, Status::Failed);
        }
    }

    /// Sends a failed message again, with the same client id, so it can never land twice.
    pub fn retry(&self, conversation_id: ConversationId, client_id: Uuid) {
        let item = self
            .threads
            .read_untracked()
            .get(&conversation_id)
            .and_then(|t| {
                t.items
                    .iter()
                    .find(|i| i.message.client_id == client_id)
                    .cloned()
            });
        if let Some(item) = item {
            self.set_status(conversation_id, client_id, Status::Pending);
            self.transmit(&item.message);
        }
    }

    fn set_status(&self, conversation_id: ConversationId, client_id: Uuid, status: Status) {
        let mut threads = self.threads.write();
        if let Some(item) = threads.get_mut(&conversation_id).and_then(|t| {
            t.items
                .iter_mut()
                .find(|i| i.message.client_id == client_id && i.status != Status::Sent)
        }) {
            item.status = status;
        }
    }

    pub fn typing_in(&self, conversation_id: ConversationId) {
        self.send_frame(ClientMsg::Typing { conversation_id });
    }

    /// Marks everything loaded in the open conversation as read.
    pub fn read_open(&self) {
        let Some(id) = self.open.get_untracked() else {
            return;
        };
        let Some(conversation) = self.conversation(id) else {
            return;
        };
        if conversation.unread_count == 0 {
            return;
        }
        if let Some(seq) = conversation.last_message.as_ref().map(|m| m.seq) {
            self.send_frame(ClientMsg::Read {
                conversation_id: id,
                seq,
            });
        }
    }

    /// Opens a conversation, loading its newest page the first time.
    pub fn open_conversation(&self, id: ConversationId) {
        self.open.set(Some(id));
        let loaded = self.threads.read_untracked().contains_key(&id);
        if !loaded {
            self.threads.write().insert(id, Thread::default());
            let chat = *self;
            leptos::task::spawn_local(async move {
                if let Ok(page) = self::http::history(id, None, None).await {
                    chat.add_page(id, page, Side::Older);
                }
                chat.read_open();
            });
        } else {
            self.read_open();
        }
    }

    /// Loads the page before the oldest message shown; `false` when there is none.
    pub async fn load_older(&self, id: ConversationId) -> bool {
        let first = {
            let threads = self.threads.read_untracked();
            threads.get(&id).filter(|t| t.has_older).and_then(|t| {
                let first = t.items.iter().find(|i| i.status == Status::Sent)?;
                Some(first.message.seq)
            })
        };
        let Some(first) = first else { return false };
        let Ok(page) = self::http::history(id, Some(first), None).await else {
            return false;
        };
        self.add_page(id, page, Side::Older);
        true
    }

    /// Opens a conversation at the message `seq` (a search result), with the history around
    /// it; older and newer messages load as the reader scrolls.
    pub fn open_at(&self, id: ConversationId, seq: i64) {
        self.open.set(Some(id));
        let chat = *self;
        leptos::task::spawn_local(async move {
            #[cfg(feature = "hydrate")]
            {
                let url = format!("/api/conversations/{id}/messages?around={seq}");
                let Some(page) = self::http::get::<shared::AroundPage>(&url).await else {
                    return;
                };
                let mut thread = Thread {
                    has_older: page.has_more_before,
                    has_newer: page.has_more_after,
                    ..Thread::default()
                };
                for message in page.messages {
                    thread.upsert(message);
                }
                chat.threads.write().insert(id, thread);
            }
            focus_soon(format!("m{seq}"), true);
            chat.read_open();
        });
    }

    /// Whether the open conversation was opened at an older message and has newer ones to load.
    pub fn open_is_partial(&self) -> bool {
        let threads = self.threads.read_untracked();
        self.open
            .get_untracked()
            .and_then(|id| threads.get(&id))
            .is_some_and(|t| t.has_newer)
    }

    /// Loads the page after the newest message shown, when the thread was opened at an older
    /// one; `false` when there is none.
    pub async fn load_newer(&self, id: ConversationId) -> bool {
        let last = {
            let threads = self.threads.read_untracked();
            threads
                .get(&id)
                .filter(|t| t.has_newer)
                .map(|t| t.last_seq())
        };
        let Some(last) = last else { return false };
        let Ok(page) = self::http::history(id, None, Some(last)).await else {
            return false;
        };
        self.add_page(id, page, Side::Newer);
        true
    }

    /// Adds a page of history to a thread, on the `side` it was read from: whether there is
    /// more on that side is the page's `has_more`.
    fn add_page(&self, id: ConversationId, page: shared::MessagePage, side: Side) {
        let mut threads = self.threads.write();
        let thread = threads.entry(id).or_default();
        match side {
            Side::Older => thread.has_older = page.has_more,
            Side::Newer => thread.has_newer = page.has_more,
        }
        for message in page.messages {
            thread.upsert(message);
        }
    }

    /// Adds a conversation to the list (or refreshes it), most recent first.
    /// Replaces the list, as read again from the server.
    pub fn set_conversations(&self, list: Vec<Conversation>) {
        self.remember_reads(&list);
        self.conversations.set(list);
    }

    /// How far the other members have read, as the server last knew it.
    fn remember_reads(&self, list: &[Conversation]) {
        let me = self.me_id();
        let mut seen = self.seen.write();
        for conversation in list {
            for read in conversation
                .read_positions
                .iter()
                .filter(|r| r.user_id != me)
            {
                let entry = seen.entry((conversation.id, read.user_id)).or_insert(0);
                *entry = (*entry).max(read.seq);
            }
        }
    }

    pub fn upsert_conversation(&self, conversation: Conversation) {
        self.remember_reads(std::slice::from_ref(&conversation));
        let mut list = self.conversations.write();
        list.retain(|c| c.id != conversation.id);
        list.push(conversation);
        list.sort_by_key(|c| std::cmp::Reverse(c.updated_at));
    }
}

/// Which way a page of history was read from what is shown.
#[derive(Clone, Copy)]
enum Side {
    Older,
    Newer,
}

pub fn now_ms() -> f64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as f64)
            .unwrap_or(0.0)
    }
}

/// Moves the focus to the message field once it is enabled (after the next frame): a person who
/// opened a conversation with the keyboard can type at once. A pointer leaves the focus alone, so
/// a phone does not pop up its keyboard.
pub fn focus_composer() {
    focus_soon("composer".into(), false);
}

/// Gives the focus to the element with `id` once the screen has caught up with the change that
/// makes it (before the next key arrives); `reveal` also scrolls it into view.
pub fn focus_soon(id: String, reveal: bool) {
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move {
        use leptos::wasm_bindgen::JsCast;
        leptos::task::tick().await;
        if let Some(el) = document()
            .get_element_by_id(&id)
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            if reveal {
                el.scroll_into_view();
            }
            let _ = el.focus();
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (id, reveal);
}

fn page_visible() -> bool {
    #[cfg(feature = "hydrate")]
    {
        document().visibility_state() == web_sys::VisibilityState::Visible
    }
    #[cfg(not(feature = "hydrate"))]
    {
        false
    }
}
