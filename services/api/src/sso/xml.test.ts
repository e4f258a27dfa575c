import { describe, expect, test } from "vitest";
import { xmlShapeWithin } from "./xml.ts";

describe("xmlShapeWithin", () => {
  const limits = { elements: 3, namespaces: 1 };
  test.each([
    ["three elements, end tags not counted", "<a><b/><c></c></a>", true],
    ["a fourth element", "<a><b/><c/><d/></a>", false],
    [
      "comments, declarations and instructions are not elements",
      '<?xml version="1.0"?><!-- x --><a><b/><c/></a>',
      true,
    ],
    ["one namespace declaration", '<a xmlns="urn:a"><b/></a>', true],
    ["two", '<a xmlns="urn:a" xmlns:b="urn:b"/>', false],
    ["no markup at all", "plain text", true],
  ])("%s", (_name, xml, within) => {
    expect(xmlShapeWithin(xml, limits)).toBe(within);
  });
});
