//! Looking a data object up by tag anywhere in a tree.

use crate::card::tlv::object::Tlv;
use crate::card::tlv::tag::Tag;

/// The first object with `tag`, searching depth-first in order (an object
/// before its children, children before later siblings).
pub fn find(objects: &[Tlv], tag: Tag) -> Option<&Tlv> {
    objects.iter().find_map(|tlv| if tlv.tag == tag { Some(tlv) } else { find(tlv.children(), tag) })
}
