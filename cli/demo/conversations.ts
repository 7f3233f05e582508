/**
 * The demo's healthy traffic: what customers of a shop ask and what a good assistant answers, in
 * several languages, short and long, prose and JSON. Every answer is a right answer: during the
 * baseline, a check that fails one of them is a false alarm that on-call would see.
 */

/** One question and the answer the healthy model gives; `refusal` is what it says during the incident. */
export interface Exchange {
  question: string;
  answer: string;
  refusal?: string;
}

const REFUSAL_EN = "I'm sorry, but I can't help with that request.";
const REFUSAL_DE = 'Es tut mir leid, aber dabei kann ich Ihnen nicht helfen.';
const REFUSAL_FR = 'Je suis désolé, mais je ne peux pas vous aider avec cette demande.';
const REFUSAL_ES = 'Lo siento, pero no puedo ayudarte con eso.';
const REFUSAL_JA = '申し訳ありませんが、そのご依頼にはお応えできません。';

export const REFUNDS: readonly Exchange[] = [
  {
    question: 'Where is my refund for order 1042?',
    answer:
      'Your refund for order 1042 was issued on Monday. It usually takes 3–5 business days to appear on your card statement.',
    refusal: REFUSAL_EN,
  },
  {
    question: 'How long does a refund to my credit card take?',
    answer:
      'Once we have received your return, refunds to a credit card take 3 to 5 business days. Your bank may need another day or two to show it.',
    refusal: REFUSAL_EN,
  },
  {
    question: 'Can I get a refund for a damaged blender?',
    answer:
      "Yes. I'm sorry it arrived damaged! Send us a photo of the blender and its packaging from the order page, and we will refund you in full — you don't need to return it.",
    refusal: REFUSAL_EN,
  },
  {
    question: 'I returned the shoes two weeks ago and still have no refund. What is going on?',
    answer: `I'm sorry for the wait. I checked your return:

- The parcel reached our warehouse on the 12th.
- The refund of €89.90 was approved on the 14th.
- It was sent back to the card ending in 4242 the same day.

Banks usually show it within five business days, so it should appear by Friday. If it has not arrived by then, reply here and I will open a ticket with our payments team.`,
    refusal: REFUSAL_EN,
  },
  {
    question: 'Do you refund the shipping costs too?',
    answer:
      'Yes, when the item was faulty or we sent the wrong one, shipping is refunded together with the item. For other returns the original shipping fee is not refunded.',
    refusal: REFUSAL_EN,
  },
  {
    question: 'Wann bekomme ich mein Geld für die zurückgeschickte Jacke zurück?',
    answer:
      'Ihre Rücksendung ist am Dienstag bei uns eingegangen. Die Rückerstattung wurde veranlasst und sollte innerhalb von fünf Werktagen auf Ihrem Konto sein.',
    refusal: REFUSAL_DE,
  },
  {
    question: 'Kann ich statt einer Gutschrift mein Geld zurückbekommen?',
    answer:
      'Ja, natürlich. Wählen Sie bei der Rücksendung einfach „Erstattung auf das Zahlungsmittel“ aus, dann überweisen wir den Betrag auf Ihre ursprüngliche Zahlungsart.',
    refusal: REFUSAL_DE,
  },
  {
    question: 'Quand vais-je recevoir le remboursement de ma commande annulée ?',
    answer:
      'Votre commande a été annulée hier et le remboursement est en cours. Il apparaîtra sur votre compte sous trois à cinq jours ouvrés.',
    refusal: REFUSAL_FR,
  },
  {
    question: '¿Me podéis devolver el dinero si el paquete llegó abierto?',
    answer:
      'Sí. Lamentamos lo ocurrido. Envíanos una foto del paquete desde la página del pedido y te devolveremos el importe completo en un plazo de cinco días hábiles.',
    refusal: REFUSAL_ES,
  },
  {
    question: '返品した商品の返金はいつになりますか？',
    answer:
      'ご返品の商品は倉庫に到着しております。返金手続きは完了しており、五営業日以内にカードに反映される予定です。',
    refusal: REFUSAL_JA,
  },
  {
    question: 'Refund status for order 5531, please.',
    answer: 'The refund for order 5531 was completed on 3 March: €24.99 back to your PayPal account.',
    refusal: REFUSAL_EN,
  },
  {
    question: 'Why was my refund smaller than what I paid?',
    answer:
      'The difference is the €4.95 return shipping label, which is deducted when an item is returned because it no longer fits. The full breakdown is on the refund receipt in your account under Orders → Returns.',
    refusal: REFUSAL_EN,
  },
];

export const ORDERS: readonly Exchange[] = [
  { question: 'Where is my order 2210?', answer: 'Order 2210 has shipped and will arrive on Thursday.' },
  {
    question: 'Can I change the delivery address of order 877?',
    answer:
      'Yes, order 877 has not been packed yet. Open the order, choose "Change address" and enter the new one; the change is confirmed by email.',
  },
  {
    question: 'Give me the status of order 3319 as JSON.',
    answer: '{"order_id": "3319", "status": "in_transit", "carrier": "DHL", "eta": "2026-12-04", "items": 3}',
  },
  {
    question: 'Mi pedido 4410 todavía no ha llegado, ¿qué pasa?',
    answer:
      'Tu pedido 4410 salió del almacén el lunes, pero el transportista lo tiene retenido por un problema de dirección. Te hemos enviado un correo para confirmar la dirección; en cuanto respondas, lo entregarán al día siguiente.',
  },
  {
    question: 'Wo ist meine Bestellung 9032?',
    answer:
      'Ihre Bestellung 9032 ist unterwegs und wird voraussichtlich morgen zwischen 10 und 14 Uhr zugestellt.',
  },
  {
    question: 'Puis-je ajouter un article à ma commande 6120 ?',
    answer:
      "La commande 6120 est déjà en préparation, on ne peut donc plus la modifier. Passez une nouvelle commande pour l'article : si elles partent le même jour, nous les regroupons sans frais.",
  },
  {
    question: 'How do I track my parcel?',
    answer:
      'Open Orders in your account and click "Track parcel" next to the order. You can also use the tracking number from the shipping email on the carrier\'s website.',
  },
  {
    question: 'Cancel order 7788.',
    answer: 'Done: order 7788 is cancelled and the payment of €59.00 will be released within two days.',
  },
];

export const SEARCH: readonly Exchange[] = [
  {
    question: 'Find me a waterproof hiking jacket under 100 euros.',
    answer: JSON.stringify([
      { sku: 'JK-2041', name: 'Trail Shell 2.5L', price_eur: 89.0, waterproof_mm: 20000 },
      { sku: 'JK-1177', name: 'Alpine Rain Jacket', price_eur: 74.5, waterproof_mm: 10000 },
    ]),
  },
  {
    question: 'Which laptops have 32 GB of RAM?',
    answer: JSON.stringify([
      { sku: 'LP-9001', name: 'ProBook 14', ram_gb: 32, price_eur: 1299 },
      { sku: 'LP-9120', name: 'Creator 16', ram_gb: 32, price_eur: 1849 },
      { sku: 'LP-8873', name: 'Ultra 13', ram_gb: 32, price_eur: 1499 },
    ]),
  },
  {
    question: 'Zeig mir Laufschuhe in Größe 44.',
    answer: JSON.stringify([
      { sku: 'SH-3310', name: 'Road Runner 5', size_eu: 44, price_eur: 119.0 },
      { sku: 'SH-3388', name: 'Trail Grip', size_eu: 44, price_eur: 99.0 },
    ]),
  },
  {
    question: 'What is a good tent for two people that weighs less than 2 kg?',
    answer:
      'The Featherlite 2 (1.6 kg, €249) is our lightest two-person tent; it packs small and sets up in five minutes. If you camp in windy places, the Ridge 2 (1.9 kg, €279) is sturdier.',
  },
  {
    question: 'Recommande-moi un sac à dos pour la randonnée.',
    answer:
      'Pour la randonnée à la journée, le Summit 28 (28 L, 1,1 kg, 89 €) est un bon choix : dos ventilé, housse de pluie intégrée et poches latérales pour les gourdes.',
  },
  {
    question: 'cheap wireless headphones',
    answer: JSON.stringify([
      { sku: 'HP-120', name: 'Buds Lite', price_eur: 29.9, battery_h: 6 },
      { sku: 'HP-410', name: 'Studio Air', price_eur: 49.0, battery_h: 20 },
    ]),
  },
  {
    question: 'Do you sell kids bikes for a 6 year old?',
    answer:
      "Yes — for most six-year-olds a 20-inch bike fits. We have the Rocket 20 (€199) with gears and the Pedal Pal 20 (€159) without. Check the size guide on each page for the child's inseam.",
  },
  {
    question: '在哪里可以买到防水的手机壳？',
    answer:
      '我们有两款防水手机壳：AquaShield（39 欧元，防水深度 10 米）和 DryCase Mini（19 欧元，适合游泳）。两款都支持大多数主流手机型号。',
  },
];

/** A tool the demo's order agent is offered (OpenAI function shape, JSON Schema parameters). */
export interface DemoTool {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

export const AGENT_TOOLS: readonly DemoTool[] = [
  {
    name: 'lookup_order',
    description: 'Look up an order by its number.',
    parameters: {
      type: 'object',
      properties: { order_id: { type: 'string', pattern: '^[0-9]+$' } },
      required: ['order_id'],
      additionalProperties: false,
    },
  },
  {
    name: 'track_parcel',
    description: 'Track the parcel of an order with the carrier.',
    parameters: {
      type: 'object',
      properties: { order_id: { type: 'string' }, carrier: { type: 'string', enum: ['dhl', 'ups', 'dpd'] } },
      required: ['order_id'],
      additionalProperties: false,
    },
  },
];

/**
 * The order agent's turns: the question, the tool call the healthy model makes, and the one it
 * makes during the incident (a new model version that sends the order number as a number under
 * the wrong key: schema-invalid, still HTTP 200).
 */
export interface AgentTurn {
  question: string;
  call: { name: string; arguments: string };
  broken: { name: string; arguments: string };
}

export const AGENT_TURNS: readonly AgentTurn[] = [
  {
    question: 'Has order 1042 shipped yet?',
    call: { name: 'lookup_order', arguments: '{"order_id":"1042"}' },
    broken: { name: 'lookup_order', arguments: '{"order":1042}' },
  },
  {
    question: 'Where is the parcel for order 2210? It went with DHL.',
    call: { name: 'track_parcel', arguments: '{"order_id":"2210","carrier":"dhl"}' },
    broken: { name: 'track_parcel', arguments: '{"order_id":2210,"carrier":"DHL Express"}' },
  },
  {
    question: 'Was ist mit meiner Bestellung 3301?',
    call: { name: 'lookup_order', arguments: '{"order_id":"3301"}' },
    broken: { name: 'lookup_order', arguments: '{"order_id":3301}' },
  },
];
