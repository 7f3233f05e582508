import { describe, expect, it } from 'vitest';
import { evaluatorsConfigSchema } from './config.ts';
import { createCheckPlan, isVerdict } from './index.ts';
import { callInput } from '../../test/support/checks.ts';

const SYSTEM = 'system: You are the helpful assistant of Acme Shop. Answer concisely.';

// Answers in the styles models really write; none should trip any default check.
const GOOD: Record<string, [user: string, answer: string]> = {
  'Markdown with headings, bold and a closing question': [
    'How do I return a jacket I bought online last week?',
    `## Returning your jacket

You can return it within **30 days** of delivery:

1. Open **Orders** in your account and pick the jacket.
2. Choose *Return item* and print the label.
3. Drop the parcel at any post office.

Your refund is issued once the warehouse receives the parcel (usually 3–5 business days).

Would you like me to start the return for you?`,
  ],
  'code with an explanation': [
    'How do I read a JSON file in Python and print one of its keys?',
    `Use the \`json\` module:

\`\`\`python
import json

with open("orders.json") as f:
    data = json.load(f)
print(data["status"])
\`\`\`

This opens the file, parses it into a dict and prints the \`status\` key. If the key may be missing, use \`data.get("status")\` instead.`,
  ],
  'a short factual answer': [
    'What is the capital city of Australia, and why is it not Sydney?',
    'Canberra. It was chosen as a compromise between Sydney and Melbourne in 1908.',
  ],
  'German with a sign-off': [
    'Wann kommt meine Rückerstattung für die Bestellung 4711 auf meinem Konto an?',
    'Ihre Rückerstattung für die Bestellung 4711 wurde am Montag veranlasst. Sie sollte innerhalb von fünf Werktagen auf Ihrem Konto sein.\n\nViele Grüße\nIhr Acme-Team',
  ],
  'a table': [
    'Compare the standard and express shipping options for me in a small table please.',
    `Here is a comparison:

| Option | Price | Delivery |
| --- | --- | --- |
| Standard | €4.90 | 3–5 days |
| Express | €9.90 | next day |

Express orders placed before 2 pm ship the same day.`,
  ],
  'an answer that ends in a link': [
    'Where can I see the status of my current order online, and how often is it updated?',
    'You can follow your order on the tracking page, which updates every hour: https://acme.example/track',
  ],
  'a JSON answer': [
    'Return the order 4711 as JSON with its id and status fields.',
    '{"order_id": 4711, "status": "shipped", "items": [{"sku": "J-1", "qty": 1}]}',
  ],
  'math with braces': [
    'What is the set of solutions of the equation x squared equals four, written in set notation?',
    'The solution set is {−2, 2}, i.e. $S = \\{x \\in \\mathbb{R} : x^2 = 4\\}$.',
  ],
};

describe('good answers', () => {
  const plan = createCheckPlan(evaluatorsConfigSchema.parse({}), {});
  const checks = plan.checksFor({ service: 'shop', provider: 'openai', route: '/chat', model: 'gpt-4o' });

  it.each(Object.entries(GOOD))('%s passes every default check', (_name, [user, response]) => {
    const input = callInput({ prompt: `${SYSTEM}\n\nuser: ${user}`, response });
    const failed = checks
      .map((c) => {
        const r = c.evaluate(input);
        return { id: c.id, r: isVerdict(r) ? r : null };
      })
      .filter((x) => x.r && !x.r.passed)
      .map((x) => `${x.id}: ${x.r?.reason}`);
    expect(failed).toEqual([]);
  });
});
