//! The in-memory shape of an Outlook item, shared by the .msg reader and the .pst/.ost reader.
//!
//! Both stores hold MAPI properties; the readers turn them into a [`MapiMessage`] and the
//! emitter (`emit.rs`) turns that into text segments, so the two file formats report the same
//! parts in the same way.

use std::collections::BTreeMap;

use crate::location::Step;

/// A MAPI property value as read from a .msg stream or a PST property context.
#[derive(Debug, Clone, PartialEq)]
pub enum PropValue {
    /// PT_UNICODE or PT_STRING8 (already decoded with the message code page); multi-valued
    /// strings are joined by newlines.
    Str(String),
    /// PT_BINARY.
    Binary(Vec<u8>),
    /// PT_SHORT, PT_LONG or PT_I8.
    Int(i64),
    /// PT_BOOLEAN.
    Bool(bool),
    /// PT_SYSTIME: a FILETIME, 100 ns intervals since 1601-01-01 UTC.
    Time(i64),
    /// Any other type (not used by the emitter).
    Other,
}

/// Properties by 16-bit property id (PT_UNICODE and PT_STRING8 both become [`PropValue::Str`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PropertyBag {
    values: BTreeMap<u16, PropValue>,
}

impl PropertyBag {
    /// An empty bag.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets property `id`, replacing an earlier value.
    pub fn insert(&mut self, id: u16, v: PropValue) {
        self.values.insert(id, v);
    }

    /// The value of property `id`, of any type.
    pub fn get(&self, id: u16) -> Option<&PropValue> {
        self.values.get(&id)
    }

    /// Property `id` when it is a string.
    pub fn str(&self, id: u16) -> Option<&str> {
        match self.values.get(&id) {
            Some(PropValue::Str(s)) => Some(s),
            _ => None,
        }
    }

    /// Property `id` when it is binary.
    pub fn binary(&self, id: u16) -> Option<&[u8]> {
        match self.values.get(&id) {
            Some(PropValue::Binary(b)) => Some(b),
            _ => None,
        }
    }

    /// Property `id` when it is an integer.
    pub fn int(&self, id: u16) -> Option<i64> {
        match self.values.get(&id) {
            Some(PropValue::Int(i)) => Some(*i),
            _ => None,
        }
    }

    /// Property `id` when it is a time (FILETIME).
    pub fn time(&self, id: u16) -> Option<i64> {
        match self.values.get(&id) {
            Some(PropValue::Time(t)) => Some(*t),
            _ => None,
        }
    }

    /// All properties, by ascending id.
    pub fn iter(&self) -> impl Iterator<Item = (u16, &PropValue)> {
        self.values.iter().map(|(k, v)| (*k, v))
    }

    /// Number of properties.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when the bag holds no property.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// One message (mail, contact, appointment, task, note …).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MapiMessage {
    /// The message's own properties.
    pub props: PropertyBag,
    /// One bag per recipient (display name, address, type …).
    pub recipients: Vec<PropertyBag>,
    /// Attachments, in store order.
    pub attachments: Vec<MapiAttachment>,
    /// Problems met while reading parts of this message (reported, reading goes on).
    pub errors: Vec<(Option<Step>, String)>,
}

/// One attachment of a message.
#[derive(Debug, Clone, PartialEq)]
pub struct MapiAttachment {
    /// The attachment's properties (file name, method, MIME type …).
    pub props: PropertyBag,
    /// What the attachment holds.
    pub content: AttachmentContent,
}

/// The content of an attachment.
#[derive(Debug, Clone, PartialEq)]
pub enum AttachmentContent {
    /// A file's bytes (PR_ATTACH_DATA_BIN).
    Data(Vec<u8>),
    /// An embedded message (attach method 5).
    Message(Box<MapiMessage>),
    /// No content stored (a link, an OLE object without data …).
    Missing,
    /// The content could not be read; the reason.
    Unreadable(String),
}

/// MAPI property types (MS-OXCDATA 2.11.1), as stored beside a property id.
pub mod ptype {
    /// PT_SHORT: 16-bit integer.
    pub const SHORT: u16 = 0x0002;
    /// PT_LONG: 32-bit integer.
    pub const LONG: u16 = 0x0003;
    /// PT_BOOLEAN.
    pub const BOOLEAN: u16 = 0x000B;
    /// PT_OBJECT (an embedded message's storage).
    pub const OBJECT: u16 = 0x000D;
    /// PT_I8: 64-bit integer.
    pub const I8: u16 = 0x0014;
    /// PT_STRING8: 8-bit string in the message's code page.
    pub const STRING8: u16 = 0x001E;
    /// PT_UNICODE: UTF-16LE string.
    pub const UNICODE: u16 = 0x001F;
    /// PT_SYSTIME: FILETIME.
    pub const SYSTIME: u16 = 0x0040;
    /// PT_BINARY.
    pub const BINARY: u16 = 0x0102;
    /// Flag of multi-valued types (PT_MV_UNICODE is `UNICODE | MULTI`).
    pub const MULTI: u16 = 0x1000;
}

/// Property ids read by the emitter and the readers.
pub mod prop {
    /// PR_MESSAGE_CLASS (e.g. `IPM.Note`, `IPM.Contact`).
    pub const MESSAGE_CLASS: u16 = 0x001A;
    /// PR_SUBJECT.
    pub const SUBJECT: u16 = 0x0037;
    /// PR_CLIENT_SUBMIT_TIME.
    pub const CLIENT_SUBMIT_TIME: u16 = 0x0039;
    /// PR_SENT_REPRESENTING_NAME.
    pub const SENT_REPRESENTING_NAME: u16 = 0x0042;
    /// PR_SENT_REPRESENTING_EMAIL_ADDRESS.
    pub const SENT_REPRESENTING_EMAIL_ADDRESS: u16 = 0x0065;
    /// PR_TRANSPORT_MESSAGE_HEADERS.
    pub const TRANSPORT_MESSAGE_HEADERS: u16 = 0x007D;
    /// PR_SENDER_NAME.
    pub const SENDER_NAME: u16 = 0x0C1A;
    /// PR_SENDER_EMAIL_ADDRESS.
    pub const SENDER_EMAIL_ADDRESS: u16 = 0x0C1F;
    /// PR_SENDER_SMTP_ADDRESS.
    pub const SENDER_SMTP_ADDRESS: u16 = 0x5D01;
    /// PR_SENT_REPRESENTING_SMTP_ADDRESS.
    pub const SENT_REPRESENTING_SMTP_ADDRESS: u16 = 0x5D02;
    /// PR_RECIPIENT_TYPE (1 To, 2 Cc, 3 Bcc).
    pub const RECIPIENT_TYPE: u16 = 0x0C15;
    /// PR_DISPLAY_BCC.
    pub const DISPLAY_BCC: u16 = 0x0E02;
    /// PR_DISPLAY_CC.
    pub const DISPLAY_CC: u16 = 0x0E03;
    /// PR_DISPLAY_TO.
    pub const DISPLAY_TO: u16 = 0x0E04;
    /// PR_MESSAGE_DELIVERY_TIME.
    pub const MESSAGE_DELIVERY_TIME: u16 = 0x0E06;
    /// PR_BODY.
    pub const BODY: u16 = 0x1000;
    /// PR_RTF_COMPRESSED.
    pub const RTF_COMPRESSED: u16 = 0x1009;
    /// PR_HTML (PT_BINARY or string).
    pub const HTML: u16 = 0x1013;
    /// PR_INTERNET_MESSAGE_ID.
    pub const INTERNET_MESSAGE_ID: u16 = 0x1035;
    /// PR_DISPLAY_NAME.
    pub const DISPLAY_NAME: u16 = 0x3001;
    /// PR_EMAIL_ADDRESS.
    pub const EMAIL_ADDRESS: u16 = 0x3003;
    /// PR_COMMENT.
    pub const COMMENT: u16 = 0x3004;
    /// PR_ATTACH_DATA_BIN (also PR_ATTACH_DATA_OBJ for embedded messages).
    pub const ATTACH_DATA_BIN: u16 = 0x3701;
    /// PR_ATTACH_FILENAME (8.3 name).
    pub const ATTACH_FILENAME: u16 = 0x3704;
    /// PR_ATTACH_METHOD (1 by value, 5 embedded message, 6 OLE …).
    pub const ATTACH_METHOD: u16 = 0x3705;
    /// PR_ATTACH_LONG_FILENAME.
    pub const ATTACH_LONG_FILENAME: u16 = 0x3707;
    /// PR_ATTACH_MIME_TAG.
    pub const ATTACH_MIME_TAG: u16 = 0x370E;
    /// PR_SMTP_ADDRESS.
    pub const SMTP_ADDRESS: u16 = 0x39FE;
    /// PR_INTERNET_CPID.
    pub const INTERNET_CPID: u16 = 0x3FDE;
    /// PR_MESSAGE_CODEPAGE.
    pub const MESSAGE_CODEPAGE: u16 = 0x3FFD;

    // Contact properties (MS-OXOCNTC).
    /// PR_ACCOUNT.
    pub const ACCOUNT: u16 = 0x3A00;
    /// PR_CALLBACK_TELEPHONE_NUMBER.
    pub const CALLBACK_TELEPHONE_NUMBER: u16 = 0x3A02;
    /// PR_GENERATION.
    pub const GENERATION: u16 = 0x3A05;
    /// PR_GIVEN_NAME.
    pub const GIVEN_NAME: u16 = 0x3A06;
    /// PR_GOVERNMENT_ID_NUMBER.
    pub const GOVERNMENT_ID_NUMBER: u16 = 0x3A07;
    /// PR_BUSINESS_TELEPHONE_NUMBER.
    pub const BUSINESS_TELEPHONE_NUMBER: u16 = 0x3A08;
    /// PR_HOME_TELEPHONE_NUMBER.
    pub const HOME_TELEPHONE_NUMBER: u16 = 0x3A09;
    /// PR_INITIALS.
    pub const INITIALS: u16 = 0x3A0A;
    /// PR_KEYWORD.
    pub const KEYWORD: u16 = 0x3A0B;
    /// PR_LANGUAGE.
    pub const LANGUAGE: u16 = 0x3A0C;
    /// PR_LOCATION.
    pub const LOCATION: u16 = 0x3A0D;
    /// PR_SURNAME.
    pub const SURNAME: u16 = 0x3A11;
    /// PR_POSTAL_ADDRESS.
    pub const POSTAL_ADDRESS: u16 = 0x3A15;
    /// PR_COMPANY_NAME.
    pub const COMPANY_NAME: u16 = 0x3A16;
    /// PR_TITLE.
    pub const TITLE: u16 = 0x3A17;
    /// PR_DEPARTMENT_NAME.
    pub const DEPARTMENT_NAME: u16 = 0x3A18;
    /// PR_OFFICE_LOCATION.
    pub const OFFICE_LOCATION: u16 = 0x3A19;
    /// PR_PRIMARY_TELEPHONE_NUMBER.
    pub const PRIMARY_TELEPHONE_NUMBER: u16 = 0x3A1A;
    /// PR_BUSINESS2_TELEPHONE_NUMBER.
    pub const BUSINESS2_TELEPHONE_NUMBER: u16 = 0x3A1B;
    /// PR_MOBILE_TELEPHONE_NUMBER.
    pub const MOBILE_TELEPHONE_NUMBER: u16 = 0x3A1C;
    /// PR_CAR_TELEPHONE_NUMBER.
    pub const CAR_TELEPHONE_NUMBER: u16 = 0x3A1E;
    /// PR_OTHER_TELEPHONE_NUMBER.
    pub const OTHER_TELEPHONE_NUMBER: u16 = 0x3A1F;
    /// PR_PAGER_TELEPHONE_NUMBER.
    pub const PAGER_TELEPHONE_NUMBER: u16 = 0x3A21;
    /// PR_BUSINESS_FAX_NUMBER.
    pub const BUSINESS_FAX_NUMBER: u16 = 0x3A24;
    /// PR_HOME_FAX_NUMBER.
    pub const HOME_FAX_NUMBER: u16 = 0x3A25;
    /// PR_COUNTRY.
    pub const COUNTRY: u16 = 0x3A26;
    /// PR_LOCALITY.
    pub const LOCALITY: u16 = 0x3A27;
    /// PR_STATE_OR_PROVINCE.
    pub const STATE_OR_PROVINCE: u16 = 0x3A28;
    /// PR_STREET_ADDRESS.
    pub const STREET_ADDRESS: u16 = 0x3A29;
    /// PR_POSTAL_CODE.
    pub const POSTAL_CODE: u16 = 0x3A2A;
    /// PR_HOME2_TELEPHONE_NUMBER.
    pub const HOME2_TELEPHONE_NUMBER: u16 = 0x3A2F;
    /// PR_ASSISTANT.
    pub const ASSISTANT: u16 = 0x3A30;
    /// PR_HOME_ADDRESS_CITY.
    pub const HOME_ADDRESS_CITY: u16 = 0x3A59;
    /// PR_HOME_ADDRESS_STREET.
    pub const HOME_ADDRESS_STREET: u16 = 0x3A5D;
    /// PR_HOME_ADDRESS_POSTAL_CODE.
    pub const HOME_ADDRESS_POSTAL_CODE: u16 = 0x3A5B;
    /// PR_OTHER_ADDRESS_STREET.
    pub const OTHER_ADDRESS_STREET: u16 = 0x3A63;
    /// PR_NICKNAME.
    pub const NICKNAME: u16 = 0x3A4F;
    /// PR_PERSONAL_HOME_PAGE.
    pub const PERSONAL_HOME_PAGE: u16 = 0x3A50;
    /// PR_BUSINESS_HOME_PAGE.
    pub const BUSINESS_HOME_PAGE: u16 = 0x3A51;
    /// PR_SPOUSE_NAME.
    pub const SPOUSE_NAME: u16 = 0x3A48;
    /// PR_CHILDRENS_NAMES (multi-valued).
    pub const CHILDRENS_NAMES: u16 = 0x3A58;
    /// PR_BIRTHDAY.
    pub const BIRTHDAY: u16 = 0x3A42;
}
