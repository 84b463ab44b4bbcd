import { messageId } from './message-id';

describe('messageId', () => {
  it('is the same for the same text, whoever derives it', () => {
    const text = '{"Name":"OncePingTask","ToRunAfter":"5","Url":"http://127.0.0.1/"}';
    expect(messageId(text)).toBe(messageId(`${text}`));
    expect(messageId(text)).toMatch(/^msg:[0-9a-f]{32}$/);
  });

  it('differs for texts that parse to the same JSON, since it is the bytes that count', () => {
    expect(messageId('{"a":1}')).not.toBe(messageId('{ "a": 1 }'));
  });

  it('matches the SHA-256 digest prefix of the UTF-8 bytes', () => {
    // sha256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
    expect(messageId('abc')).toBe('msg:ba7816bf8f01cfea414140de5dae2223');
  });
});
