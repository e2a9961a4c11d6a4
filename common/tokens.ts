/**
 * Token counting with tiktoken (cl100k_base). Claude's own tokenizer is not public; cl100k_base is
 * a close, stable stand-in for budgets. The encoder is created once per process (WebAssembly init).
 */
import { get_encoding, type Tiktoken } from 'tiktoken';

let encoder: Tiktoken | undefined;

export function countTokens(text: string): number {
  encoder ??= get_encoding('cl100k_base');
  return encoder.encode_ordinary(text).length;
}
