/**
 * Lifts the well-known vendor identifiers (INTEROP.md §3.3) out of the extension elements of the recording,
 * group and session, so that search and correlation do not have to know every vendor's schema. Everything stays
 * in `extensions` as well; this is an index, not a translation.
 */
import type { MetadataVendor } from './types.js';
import { childNamed, childText, localOf } from './xml-query.js';
import type { XmlElement } from './xml-tree.js';

/** Reads the vendor fields from extension elements (already unwrapped from `<extensiondata>`). */
export function liftVendor(items: XmlElement[]): MetadataVendor {
  const vendor: MetadataVendor = {};
  const set = (key: string, value: string | undefined): void => {
    if (value !== undefined && value !== '' && vendor[key] === undefined) vendor[key] = value;
  };
  for (const item of items) {
    switch (localOf(item)) {
      case 'ucid': // Oracle apkt:ucid, `00FA08…;encoding=hex`
      case 'avayaucid': // AudioCodes ac:AvayaUCID
        set('ucid', item.text.trim().split(';')[0]!.trim());
        break;
      case 'callerorig':
        set('callerOrig', item.text.trim());
        break;
      case 'genesysuuid':
        set('genesysUuid', item.text.trim());
        break;
      case 'calldata': // Ribbon: the recorded call's own headers
        set('fromHeader', childText(item, 'fromhdr'));
        set('toHeader', childText(item, 'tohdr'));
        set('callId', childText(item, 'callid'));
        set('gcid', childText(item, 'gcid'));
        break;
      case 'broadworksrecordingmetadata':
        set('extTrackingId', childText(item, 'exttrackingid'));
        set('userId', childText(item, 'userid'));
        set('callId', childText(item, 'callid'));
        set('callType', childNamed(item, 'calltype')?.children[0]?.local);
        set('broadWorksVersion', item.attrs.get('version'));
        break;
      case 'metaswitchrecordingmetadata':
        set('callType', childText(item, 'calltype'));
        set('recordedParty', childText(item, 'recordedparty'));
        break;
      case 'netsapiensextension':
        set('groupSeq', childText(item, 'groupseq'));
        set('netsapiensVersion', item.attrs.get('version'));
        break;
      default:
        break;
    }
  }
  return vendor;
}
