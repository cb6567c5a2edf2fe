import { describe, expect, it } from "vitest";

import { loginProblem, messageProblem, parseMinutes, phoneProblem, secretProblem } from "./validators";

describe("front-desk validators", () => {
  it("minutes: a whole number from 1 to a week", () => {
    expect(parseMinutes("45")).toBe(45);
    expect(parseMinutes(" 120 ")).toBe(120);
    expect(parseMinutes("0")).toBeNull();
    expect(parseMinutes("10080")).toBe(10080);
    expect(parseMinutes("10081")).toBeNull();
    expect(parseMinutes("1.5")).toBeNull();
    expect(parseMinutes("-5")).toBeNull();
    expect(parseMinutes("")).toBeNull();
    expect(parseMinutes("1e3")).toBeNull();
  });

  it("messages, logins and phones", () => {
    expect(messageProblem(" ")).toBe("required");
    expect(messageProblem("Your time ends in 5 minutes")).toBeNull();
    expect(messageProblem("x".repeat(1001))).toBe("message");
    expect(loginProblem("ali.k_99")).toBeNull();
    expect(loginProblem("al")).toBe("login");
    expect(loginProblem("ali k")).toBe("login");
    expect(phoneProblem("")).toBeNull();
    expect(phoneProblem("+998 (90) 123-45-67")).toBeNull();
    expect(phoneProblem("12345")).toBe("phone");
    expect(phoneProblem("call me")).toBe("phone");
  });

  it("member secrets: a 4-digit PIN or a password of 8+ characters without the login", () => {
    expect(secretProblem("", "ali")).toBe("required");
    expect(secretProblem("1234", "ali")).toBeNull();
    expect(secretProblem("12345", "ali")).toBe("pin");
    expect(secretProblem("short", "ali")).toBe("secret");
    expect(secretProblem("my Ali phrase", "ali")).toBe("secretLogin");
    expect(secretProblem("green tea at noon", "ali")).toBeNull();
  });
});
