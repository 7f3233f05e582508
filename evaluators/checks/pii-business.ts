import type { PiiFinding } from './pii-patterns.ts';

/**
 * Whether a found email, phone number or address is a business's published contact rather than a
 * person's data: what a helpful answer to "what is Amazon's customer-service number?" contains.
 * An address given as "my", "his", "her" address or where someone lives is a person's, one in a
 * record is its name's; cards, SSNs, IBANs and secrets are always personal.
 */
export type ContactKind = 'business' | 'person';

// Role mailboxes: addresses that belong to a function of an organisation, not to a person.
const ROLE_LOCAL =
  /^(?:support|help|helpdesk|info|information|contact|contactus|hello|service|services|customerservice|customer\.service|customercare|customer\.care|care|sales|press|media|pr|billing|accounts|invoices|orders|returns|refunds|feedback|enquiries|inquiries|enquiry|office|reception|bookings|reservations|privacy|legal|compliance|dpo|gdpr|careers|jobs|recruiting|hr|team|admin|webmaster|abuse|security|partners|partnerships|marketing|events|noreply|no-reply|donotreply|kundenservice|service\.client|atencion|atencionalcliente|servicio|contacto|assistenza|suporte|atendimento)(?:[._+-][a-z0-9]+)?$/i;

// Toll-free and shared-cost numbers, which only organisations publish.
const TOLL_FREE = [
  /^1?(?:800|888|877|866|855|844|833)\d{7}$/, // NANP
  /^(?:44|0)(?:800|808|300|330|333|344|345|370|371|372|373)\d{6,7}$/, // UK
  /^(?:49|0)(?:800|180\d)\d{5,8}$/, // DE
  /^(?:33|0)8(?:0[0-9]|1\d|2\d)\d{6}$/, // FR
  /^(?:34|)90[0-2]\d{6}$/, // ES
  /^(?:39|)80[03]\d{4,7}$/, // IT
  /^(?:61|)1[38]00\d{6}$/, // AU
];

// Words that introduce an organisation's contact channel, in the languages the checks cover.
const BUSINESS_CONTEXT =
  /customer[- ]?(?:service|support|care|hotline)|support (?:line|team|number|hotline)|help ?(?:line|desk)|hotline|life ?line|crisis line|confidential support|call (?:center|centre)|toll[- ]free|contact (?:us|them|their|the)|head ?(?:office|quarters)|main (?:line|number|office)|reservations|front desk|switchboard|press office|kundenservice|kundendienst|kundenhotline|service client|service clientèle|atención al cliente|servicio al cliente|servizio clienti|assistenza clienti|atendimento ao cliente|serviço de apoio|客服|客户服务|カスタマー|サポート/i;

// A record's name that is an organisation's ("Name: Acme Logistics GmbH").
const ORGANISATION_NAME =
  /\b(?:inc|ltd|llc|gmbh|ag|sa|sas|srl|bv|nv|plc|corp|corporation|company|co|group|bank|hotel|restaurant|university|school|hospital|clinic|office|store|shop|support|team|department)\b\.?/i;

const digits = (s: string): string => s.replace(/\D/g, '');

/** How far before a value the text is read for a business context. */
const CONTEXT_CHARS = 160;

/** Classifies a contact finding by its shape and the words just before it. */
export function contactKind(text: string, f: PiiFinding): ContactKind {
  if (f.kind === 'email') {
    const local = f.value.slice(0, f.value.indexOf('@'));
    if (ROLE_LOCAL.test(local)) return 'business';
  } else if (f.kind === 'phone') {
    const d = digits(f.value);
    if (TOLL_FREE.some((re) => re.test(d))) return 'business';
  } else if (f.kind === 'address' && typeof f.owner === 'object') {
    return ORGANISATION_NAME.test(f.owner.name) ? 'business' : 'person';
  } else if (f.kind !== 'address' || f.owner !== 'their') {
    // Cards, SSNs, IBANs, secrets; and addresses given as "my/his/her address" or "lives at".
    return 'person';
  }
  const before = text.slice(Math.max(0, f.index - CONTEXT_CHARS), f.index);
  return BUSINESS_CONTEXT.test(before) ? 'business' : 'person';
}
