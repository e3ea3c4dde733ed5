import { expect } from 'chai';

import { parseMetadata } from '../../../../../recorder/src/siprec/metadata/parse.js';
import { mapStreamsToParticipants } from '../../../../../recorder/src/siprec/metadata/stream-map.js';
import { readVector, sdpLabels } from '../helpers/vectors.js';
import { bodyOf, metadataOf, people } from './vectors-helper.js';

describe('siprec/metadata parseMetadata on real SRC documents', () => {
  describe('draft dialect (Oracle / Acme Packet, AudioCodes legacy)', () => {
    it('Oracle: id=/session= attributes, <send> inside <participant>, labels 16777227/8 mapped via callingParty', () => {
      const md = metadataOf('drachtio-oracle-acme-invite.multipart.txt');
      expect(md.dialect).to.equal('draft');
      expect(md.dataMode).to.equal('complete');
      expect(md.recordingSessionIds).to.deep.equal(['AavRXwIIQj1Q39eJulTipQ==']);
      expect(people(md)).to.deep.equal([
        ['fSD3PFErSjNTHLDiXCELjw==', 'sip:9000@192.168.50.102', '9000', 'caller'],
        ['EbccNyypRlFYXTm4iw8hxw==', 'sip:1002@192.168.50.10', '1002', 'callee'],
      ]);
      expect(md.participants[0]!.associateTime).to.equal('2019-03-09T16:50:20');
      expect(md.participants[0]!.vendor).to.deep.equal({ callingParty: 'true' });
      expect(md.streams).to.deep.equal([
        {
          id: 'Q4O8SGLQSilXHUGQX2zd8Q==',
          label: '16777227',
          sessionId: 'AavRXwIIQj1Q39eJulTipQ==',
          mode: 'separate',
        },
        {
          id: 'l1NyQy8ORSlouUj2G3UE/A==',
          label: '16777228',
          sessionId: 'AavRXwIIQj1Q39eJulTipQ==',
          mode: 'separate',
        },
      ]);
      const map = mapStreamsToParticipants(md, md.labels);
      expect(map).to.deep.equal([
        {
          label: '16777227',
          streamId: 'Q4O8SGLQSilXHUGQX2zd8Q==',
          participantIds: ['fSD3PFErSjNTHLDiXCELjw=='],
          role: 'caller',
          matchedBy: 'label',
        },
        {
          label: '16777228',
          streamId: 'l1NyQy8ORSlouUj2G3UE/A==',
          participantIds: ['EbccNyypRlFYXTm4iw8hxw=='],
          role: 'callee',
          matchedBy: 'label',
        },
      ]);
    });

    it('Oracle (E-C-Group): &quot;ECG Tester&quot; is unquoted, ids with + kept', () => {
      const md = metadataOf('ecgroup-oracle-acme-invite-quoted-name.multipart.txt');
      expect(people(md)).to.deep.equal([
        ['9zwvqYRmQKlJmBGRkZApOw==', 'sip:22938884455@216.128.192.36', 'ECG Tester', 'caller'],
        ['+AVUYgpTSQlpIhZ+ZUwerQ==', 'sip:+12298558585@216.128.192.137', '+12298558585', 'callee'],
      ]);
      expect(mapStreamsToParticipants(md, md.labels).map((m) => [m.label, m.role])).to.deep.equal([
        ['33675086', 'caller'],
        ['33675087', 'callee'],
      ]);
    });

    it('Oracle fronting Avaya: session ucid/callerOrig and participant apkt headers preserved', () => {
      const md = metadataOf('telecats-oracle-for-avaya-invite-ucid.multipart.txt');
      expect(md.vendor).to.deep.include({ ucid: '00FA081003B9CF5E7DF7E5', callerOrig: 'true' });
      expect(md.participants[0]!.vendor).to.deep.equal({
        callingParty: 'true',
        'request-uri': 'sip:33187164021@10.77.91.46:5060',
        realm: 'Avaya-GR-REC',
        header: { '@label': 'Call-ID', value: '134485702_44821128@10.10.128.62' },
      });
      const ucid = md.extensions.find((e) => e.name === 'ucid')!;
      expect(ucid).to.deep.equal({
        scope: 'session',
        ownerId: '0rBXFi0CTBB0j8HyGBBrlg==',
        name: 'ucid',
        namespace: 'http://acmepacket.com/siprec/extensiondata',
        value: '00FA081003B9CF5E7DF7E5;encoding=hex',
      });
    });

    it('Oracle 2021: the http:/ namespace typo is accepted as it is, no sanitising needed', () => {
      const md = metadataOf('vorpal-oracle-2021-invite-g729-ucid.multipart.txt');
      expect(md.sanitised).to.equal(false);
      expect(md.extensions.find((e) => e.name === 'ucid')!.namespace).to.equal(
        'http:/acmepacket.com/siprec/extensiondata',
      );
      expect(md.vendor.ucid).to.equal('00391770615DEF95');
      expect(md.streams.map((s) => s.label)).to.deep.equal(['369607687', '369607688']);
    });

    it('Oracle for Genesys: raw <sip:…> in apkt:request-uri is sanitised; two <send> per participant, 4 m-lines', () => {
      const md = metadataOf('vorpal-oracle-genesys-4stream-invite.sip');
      expect(md.sanitised).to.equal(true);
      expect(md.participants.map((p) => p.sends)).to.deep.equal([
        ['tpwxAA8BSlRaWJiLzzki8g==', 'HeDWGS5sQIt+Zmy2G+blOA=='],
        ['H+WEkzCGTb9BMm4XEmdjsA==', 'QvmqA0b9Q99rKdRE9H7XDw=='],
      ]);
      expect(String(md.participants[0]!.vendor!['request-uri'])).to.match(
        /^<sip:record=01PEP83ES8B0FC7QD151Q2LAES00022M_2024-04-05_12-59-19@10\.173\.186\.80:5060;calluuid=.*>$/,
      );
      expect(md.labels).to.deep.equal(['1006644281', '1006644282', '1006644283', '1006644284']);
      const map = mapStreamsToParticipants(md, md.labels);
      expect(map.map((m) => [m.streamId, m.role, m.matchedBy])).to.deep.equal([
        ['tpwxAA8BSlRaWJiLzzki8g==', 'caller', 'label'],
        ['H+WEkzCGTb9BMm4XEmdjsA==', 'callee', 'label'],
        ['HeDWGS5sQIt+Zmy2G+blOA==', 'caller', 'label'],
        ['QvmqA0b9Q99rKdRE9H7XDw==', 'callee', 'label'],
      ]);
      const cdata = metadataOf('vorpal-oracle-genesys-4stream-invite-cdata.sip');
      expect(cdata.sanitised).to.equal(false);
      expect(String(cdata.participants[0]!.vendor!['request-uri'])).to.match(
        /^<sip:record=00U2QRJBLKAF3CCSEDB1Q2LAES0188NT/,
      );
    });

    it('AudioCodes legacy: phone-number participant ids, AvayaUCID under a prefixed element with its own default ns', () => {
      const md = metadataOf('telecats-audiocodes-legacy-invite-1.multipart.txt');
      expect(md.dialect).to.equal('draft');
      expect(md.groupId).to.equal('00000000-0000-00c2-b0f3-150000285541');
      expect(people(md)).to.deep.equal([
        ['+31534889935', '+31534889935@ims.imscore.net', undefined, undefined],
        ['+31886601071', '+31886601071@199.103.12.213', undefined, undefined],
      ]);
      expect(md.participants[0]!.receives).to.deep.equal(['00000001-aece-00c2-b0f3-150000285541']);
      expect(md.vendor.ucid).to.equal('YMMYTHBSHLHTEKNKJU4OIGEYBREHSHH3BJS3');
      // The redeclared default namespace applies to unprefixed descendants; the ac: element stays in ac's namespace.
      expect(md.extensions.find((e) => e.name === 'AvayaUCID')!.namespace).to.equal('http://AudioCodes');
      expect(metadataOf('gotest-audiocodes-mediant-ve-7.20A-full-invite.sip').participants).to.have.length(2);
    });
  });

  describe('RFC 7865 dialect (Cisco CUBE, OpenSIPS, SEMS, Avaya SBCE, NetSapiens)', () => {
    it('Cisco CUBE: sipSessionID, empty nameID, send+recv in participantstreamassoc', () => {
      const md = metadataOf('drachtio-cisco-cube-invite-gtd-part.multipart.txt');
      expect(md.dialect).to.equal('rfc7865');
      expect(md.sipSessionId).to.equal(
        'e9fffff2020a598b86962867715db0cf;remote=cd0f7093d62c5f0697098fd69a4aa57b',
      );
      expect(people(md)).to.deep.equal([
        ['kQNhKFdEEeeJ99D/VsPGWA==', 'sip:7301@35.162.237.204', undefined, undefined],
        ['kQNhKFdEEeeJ+ND/VsPGWA==', 'sip:7300@35.162.237.204', '7300', undefined],
      ]);
      expect(md.participants[0]!.sends).to.deep.equal(['kQOH5VdEEeeJ/ND/VsPGWA==']);
      expect(md.participants[0]!.receives).to.deep.equal(['kQOH5VdEEeeJ/dD/VsPGWA==']);
      expect(md.participants[0]!.associateTime).to.equal('2017-06-23T12:16:06.040Z');
    });

    it('Cisco CUBE with a bare & in a name: sanitised to DENVER CITY&CNT', () => {
      const md = metadataOf('carbyne-cisco-cube-invite-unescaped-ampersand.multipart.txt');
      expect(md.sanitised).to.equal(true);
      expect(md.participants[1]!.name).to.equal('DENVER CITY&CNT');
      expect(md.participants[0]!.name).to.equal(undefined);
    });

    it('Cisco CUBE on hold: empty associations leave participants unmapped, streams fall back to order', () => {
      const md = metadataOf('drachtio-cisco-cube-inactive-invite.multipart.txt');
      expect(md.participants.map((p) => p.sends)).to.deep.equal([[], []]);
      expect(
        mapStreamsToParticipants(md, md.labels).map((m) => [m.participantIds[0], m.matchedBy]),
      ).to.deep.equal([
        ['GZBIusaXEeuxxa1dFIaIyA==', 'order'],
        ['GZBIusaXEeuxxq1dFIaIyA==', 'order'],
      ]);
    });

    it('OpenSIPS/Connectel: SIP parameters leaking into <name> are cut; self-closing nameID', () => {
      for (const n of [1, 2, 3]) {
        const md = metadataOf(`drachtio-opensips-connectel-invite-${n}.multipart.txt`);
        expect(people(md)).to.deep.equal([
          ['WEWTz80cS1Cqdyepmu3STQ==', 'sip:0771121212@52.57.92.239', 'test_user', undefined],
          ['21Isz6eFRYuiDN0vEkVXQQ==', 'sip:0760516936@sip-cust1.connectel.io', undefined, undefined],
        ]);
        expect(md.sipSessionId).to.equal('2d8abbf0769c66e15bb349f509693d60@52.57.92.239');
      }
    });

    it('SEMS: aor without scheme, labels a_leg/b_leg matched as opaque strings', () => {
      const md = metadataOf('drachtio-sems-procomm-invite.multipart.txt');
      expect(md.participants[1]!.aor).to.equal('Extension-016190619@speechpath.ie');
      expect(md.participants[1]!.name).to.equal('Speechpath-Main-Line 016190619');
      expect(
        mapStreamsToParticipants(md, md.labels).map((m) => [m.label, m.participantIds[0], m.matchedBy]),
      ).to.deep.equal([
        ['a_leg', 'Ye5S5pU+SAG2JY4oG7M4Cw==', 'label'],
        ['b_leg', 'QDhKextjTa+F1TzXuvHZHw==', 'label'],
      ]);
    });

    it('Avaya SBCE: <dataMode> camelCase, UCID session id, labels 10/20, dummy participant then real one', () => {
      const md = metadataOf('drachtio-avaya-sbce-invite.multipart.txt');
      expect(md.dataMode).to.equal('complete');
      expect(md.recordingSessionIds).to.deep.equal(['00FA0800705D4C5DCAAC41']);
      expect(md.streams.map((s) => s.label)).to.deep.equal(['10', '20']);
      const dummy = metadataOf('miarec-avaya-sbce-invite-metadata-dummy-participant.xml');
      expect(dummy.participants[1]).to.deep.equal({
        id: 'abcdef12345678901234',
        aor: 'sip:ASBCE@asbce.com',
        sends: [],
        receives: [],
        associateTime: '2017-02-13T12:54:34',
      });
      expect(dummy.streams[1]).to.deep.equal({ id: '', label: '20', sessionId: '00FA080001000758A20EFA' });
      const real = metadataOf('miarec-avaya-sbce-update-metadata-real-participants.xml');
      expect(real.participants.map((p) => p.aor)).to.deep.equal([
        'sip:13035381001@10.64.110.65',
        'sip:7204541001@10.64.110.32',
      ]);
    });

    it('NetSapiens v1.0: Call-ID-like participant ids, aor typo kept, roles from user/callType', () => {
      const md = metadataOf('vcon-netsapiens-v1.0-call-0720.xml');
      expect(people(md)).to.deep.equal([
        ['1003@dwang.netsapiens.com', 'sip:1003@dwang.netsapiens.com', 'Luke Skywalker', 'caller'],
        ['1001@dwang.netsapiens.com', 'sip:1001w@dwang.netsapiens.com', 'Din Djarin', 'callee'],
      ]);
      expect(md.groupId).to.equal('d9836b259df931287df49822bd3a5e16');
      expect(md.vendor).to.deep.include({ groupSeq: '0', netsapiensVersion: '1.0' });
      const ext = md.extensions.find((e) => e.name === 'netsapiensExtension')!;
      expect(ext.scope).to.equal('recording');
      expect((ext.value as Record<string, unknown>)['byAction']).to.equal('ForwardSRing');
    });

    it('NetSapiens 0722: no <stream> at all — m-lines map to participants by order', () => {
      const md = metadataOf('vcon-netsapiens-v1.0-call-0722-no-streams.xml');
      expect(md.streams).to.deep.equal([]);
      expect(people(md).map((p) => p[3])).to.deep.equal(['caller', 'callee']);
      // NetSapiens' own offer: labels 1/2, no direction attribute.
      const labels = sdpLabels(readVector('vcon-netsapiens-v1.1-sdp-offer-no-direction.sdp').toString());
      const map = mapStreamsToParticipants(md, labels);
      expect(map).to.deep.equal([
        { label: '1', participantIds: ['1003@dwang.netsapiens.com'], role: 'caller', matchedBy: 'order' },
        { label: '2', participantIds: ['1002@dwang.netsapiens.com'], role: 'callee', matchedBy: 'order' },
      ]);
    });

    it('NetSapiens v1.1 attended transfer: explicit callingParty/calledParty, ids with @, reused stream ids', () => {
      const consult = metadataOf('vcon-netsapiens-v1.1-attended-xfer-2-consultation.xml');
      expect(consult.groupId).to.equal('5ed05251-7abca882-e05368bf@192.168.0.245');
      expect(people(consult)[0]).to.deep.equal([
        '5ed05251-7abca882-e05368bf@192.168.0.245',
        'sip:1002@dwang.netsapiens.com',
        'Boba Fett',
        'caller',
      ]);
      const post = metadataOf('vcon-netsapiens-v1.1-attended-xfer-3-post-transfer.xml');
      expect(post.vendor.groupSeq).to.equal('1');
      expect(post.streams.map((s) => s.id)).to.deep.equal([
        'wJwvQ18yqrywIhoZ00975F',
        'uEJ5NSEvncwFIg2500977D',
      ]);
      expect(people(post).map((p) => p[2])).to.deep.equal(['Din Djarin', 'Obi Wan Kenobi']);
      expect(metadataOf('vcon-netsapiens-v1.1-attended-xfer-1-original.xml').participants[1]!.role).to.equal(
        'callee',
      );
    });
  });

  describe('hybrid and prefixed dialects (Ribbon/Sonus, Metaswitch)', () => {
    it('Ribbon tns: prefixed, callData from/to give the roles, blank name dropped, 1970 timestamps raw', () => {
      const md = metadataOf('drachtio-ribbon-sonus-invite.multipart.txt');
      expect(md.dialect).to.equal('prefixed');
      expect(md.groupId).to.equal('MTQ3YzA3YzAtNjdkNy0xMA==');
      expect(people(md)).to.deep.equal([
        ['MTQ3YzA3YzItNjdkNy0xMA==', '2249888500@172.16.198.55', 'Extension 8500', 'caller'],
        ['MTQ3YzA3YzMtNjdkNy0xMA==', '2249888012@172.16.195.72', undefined, 'callee'],
      ]);
      expect(md.vendor).to.deep.equal({
        fromHeader: '"Extension 8500" <sip:2249888500@172.16.198.55>;tag=SerryvK5ej0jc',
        toHeader: '<sip:2249888012@172.16.195.72>;tag=gK00801b2d',
        callId: '2da553f7-a48b-1235-d6a2-5254003a4988',
        gcid: '241205267',
      });
      // The caller sends the stream labelled 2 here: the label says nothing about the role.
      expect(mapStreamsToParticipants(md, md.labels).map((m) => m.role)).to.deep.equal(['callee', 'caller']);
      const full = metadataOf('drachtiofixture-ribbon-sonus-full-invite-truncated.sip');
      expect(full.dialect).to.equal('prefixed');
    });

    it('Ribbon default namespace (2026): hybrid, isup-oli in fromhdr', () => {
      const md = metadataOf('gotest-ribbon-sonus-invite-metadata-calldata.xml');
      expect(md.dialect).to.equal('hybrid');
      expect(people(md)).to.deep.equal([
        ['NTczMjI2ODEtNTI3Zi0xMA==', '4694733291@10.87.18.120', undefined, 'caller'],
        ['NTczMjI2ODItNTI3Zi0xMA==', '8777953602@10.87.18.120', undefined, 'callee'],
      ]);
    });

    it('Ribbon BYE: Partial (capital P) with disassociate-time and an empty <session>', () => {
      const md = metadataOf('gotest-ribbon-sonus-bye-metadata-partial-disassociate.xml');
      expect(md.dataMode).to.equal('partial');
      expect(md.participants.map((p) => [p.id, p.disassociateTime])).to.deep.equal([
        ['NjFhMGYwMDEtNTI4MC0xMA==', '2026-06-25T04:58:15Z'],
        ['NjFhMGYwMDItNTI4MC0xMA==', '2026-06-25T04:58:15Z'],
      ]);
    });

    it('Metaswitch: <recording id>, bare-digit aors, one mixed stream sent and received by both', () => {
      const md = metadataOf('miarec-metaswitch-invite-metadata.xml');
      expect(md.dialect).to.equal('hybrid');
      expect(people(md)).to.deep.equal([
        ['1cghQOKKEeajkuyezQV3BA==', '7602922411', '7602922411', 'caller'],
        ['1cgiCOKKEeajkuyezQV3BA==', '7602922410', '7602922410', 'callee'],
      ]);
      expect(md.participants[0]!.receives).to.deep.equal(['1cgfauKKEeajkuyezQV3BA==']);
      expect(md.vendor).to.deep.equal({ callType: 'terminating', recordedParty: '+17602922410' });
      const [mixed] = mapStreamsToParticipants(md, ['1']);
      expect(mixed!.participantIds).to.have.length(2);
      expect(mixed!.role).to.equal(undefined);
    });
  });

  describe('BroadSoft dialect (BroadWorks, Webex Calling)', () => {
    it('origCall: recording_metadata, <aor>, <send><id>, urn:uuid ids, roles from the call type', () => {
      const md = metadataOf('ecgroup-broadworks-origcall-invite.multipart.txt');
      expect(md.dialect).to.equal('broadsoft');
      expect(md.recordingId).to.equal('urn:uuid:74796fcb-6055-4995-a980-58873db804ff');
      expect(md.groupId).to.equal('urn:uuid:c661b207-7f79-4df1-a1e8-8e4ef8430f08');
      expect(md.recordingSessionIds).to.deep.equal(['urn:uuid:7ee4c89f-31d9-41e1-b6f1-8018b79b03d7']);
      expect(people(md)).to.deep.equal([
        ['urn:uuid:047d88e2-0f0f-494c-b39a-5948e376bb16', 'sip:user1001@example.test', undefined, 'caller'],
        [
          'urn:uuid:de0effa8-8380-4743-9dbe-ddfdd336527a',
          'sip:15550001002@192.0.2.10;user=phone',
          undefined,
          'callee',
        ],
      ]);
      expect(md.participants[0]!.sends).to.deep.equal(['urn:uuid:f043e5b0-7899-4eda-845e-c3a8ec017972']);
      expect(md.vendor).to.deep.include({
        extTrackingId: 'c090d92e-7173-4d8d-848c-db7f0f3ab46e',
        callType: 'origCall',
        broadWorksVersion: '4.0',
      });
      const ext = md.extensions.find((e) => e.name === 'broadWorksRecordingMetadata')!;
      expect(ext.ownerId).to.equal('urn:uuid:7ee4c89f-31d9-41e1-b6f1-8018b79b03d7');
      expect(ext.namespace).to.equal('http://schema.broadsoft.com/broadworksCallRecording');
    });

    it('termCall and line-port variants', () => {
      expect(
        people(metadataOf('ecgroup-broadworks-termcall-invite.multipart.txt')).map((p) => p[3]),
      ).to.deep.equal(['callee', 'caller']);
      expect(
        people(metadataOf('ecgroup-broadworks-lineport-invite.multipart.txt')).map((p) => p[3]),
      ).to.deep.equal(['caller', 'callee']);
    });

    it('Webex conference: four participants, three share one stream, aors without scheme', () => {
      const md = metadataOf('miarec-webex-broadworks-v3-conference-last-update-metadata.xml');
      expect(md.participants.map((p) => p.aor)).to.deep.equal([
        'sip:yztpfzzvkq@44936045.int10.bcld.webex.com',
        'sip:7722@10.155.7.148;user=phone',
        'gosrs4isif@44936045.int10.bcld.webex.com',
        'alb25bceji@44936045.int10.bcld.webex.com',
      ]);
      expect(md.participants.map((p) => p.role)).to.deep.equal(['caller', 'callee', undefined, undefined]);
      const [, shared] = mapStreamsToParticipants(md, ['1', '2']);
      expect(shared!.participantIds).to.have.length(3);
      const inbound = metadataOf('miarec-webex-broadworks-v3-inbound-metadata.xml');
      expect(inbound.participants.map((p) => p.role)).to.deep.equal(['callee', 'caller']);
    });

    it('BroadWorks v1 mixed redirect: one stream sent by both; literal [call_id] is harmless', () => {
      const md = metadataOf('miarec-broadworks-v1-redirect-reinvite-metadata.xml');
      expect(md.streams).to.deep.equal([
        {
          id: 'urn:uuid:71e832df-e6f5-4c17-b7c3-0da56e5193ef',
          label: '1',
          sessionId: 'urn:uuid:a2607329-9634-4937-86b6-6a142dc913f9',
          mode: 'mixed',
        },
      ]);
      expect(md.vendor.extTrackingId).to.equal('NEW-tracking-id-[call_id]:1');
    });

    it('the garbled BroadWorks copy degrades to ok:false without throwing', () => {
      const result = parseMetadata(bodyOf('drachtio-broadworks-invite-garbled.multipart.txt').raw);
      expect(result).to.deep.equal({
        ok: false,
        code: 'METADATA_EMPTY',
        error: '<recording_metadata> holds no elements',
      });
    });
  });

  describe('RFC 7866 examples (AWS copy)', () => {
    const snippet = readVector('rfc7866ex-via-awsdocs-invite-audio-video-4streams-snippet.txt').toString(
      'utf8',
    );
    const xml = snippet.slice(snippet.indexOf('<?xml'));

    it('the copy typo <naSRCme>…</name> makes the document unreadable: ok:false, no throw', () => {
      const result = parseMetadata(xml);
      expect(result.ok).to.equal(false);
      if (!result.ok) expect(result.code).to.equal('METADATA_MALFORMED');
    });

    it('with the typo repaired: 4 streams, two <send> each, foreign-namespace extensions kept', () => {
      const result = parseMetadata(xml.replace('<naSRCme', '<name'));
      if (!result.ok) throw new Error(result.error);
      const md = result.metadata;
      expect(md.sipSessionId).to.equal(
        'ab30317f1a784dc48ff824d0d3715d86;remote=47755a9de7794ba387653f2099600ef2',
      );
      expect(md.groupId).to.equal('7+OTCyoxTmqmqyA/1weDAg==');
      expect(people(md)).to.deep.equal([
        ['srfBElmCRp2QB23b7Mpk0w==', 'sip:alice@atlanta.com', 'Alice', undefined],
        ['zSfPoSvdSDCmU3A3TRDxAw==', 'sip:bob@biloxy.com', 'Bob', undefined],
      ]);
      expect(md.participants[0]!.sends).to.deep.equal([
        'i1Pz3to5hGk8fuXl+PbwCw==',
        'UAAMm5GRQKSCMVvLyl4rFw==',
      ]);
      expect(md.extensions.map((e) => `${e.scope}:${e.name}:${e.namespace}`)).to.deep.equal([
        'group:call-center:urn:ietf:params:xml:ns:callcenter',
        'group:mydata:http://example.com/my',
        'session:mydata:http://example.com/my',
        'participant:mydata:http://example.com/my',
        'participant:mydata:http://example.com/my',
      ]);
      expect(
        mapStreamsToParticipants(md, ['96', '97', '98', '99']).map((m) => m.participantIds[0]),
      ).to.deep.equal([
        'srfBElmCRp2QB23b7Mpk0w==',
        'srfBElmCRp2QB23b7Mpk0w==',
        'zSfPoSvdSDCmU3A3TRDxAw==',
        'zSfPoSvdSDCmU3A3TRDxAw==',
      ]);
    });

    it('partial hold / resume documents parse as partial participant stream associations', () => {
      const hold = metadataOf('rfc7866ex-via-awsdocs-partial-update-hold.xml');
      expect(hold.dataMode).to.equal('partial');
      expect(hold.participants.map((p) => [p.id, p.sends.length, p.receives.length])).to.deep.equal([
        ['srfBElmCRp2QB23b7Mpk0w==', 0, 2],
        ['zSfPoSvdSDCmU3A3TRDxAw==', 2, 0],
      ]);
    });
  });
});
