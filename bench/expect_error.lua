-- For scenarios whose every answer is an expected 4xx: the request asks for
-- x-stack-override-error-status (so wrk counts a 200), and each response
-- must carry the expected actual status and known-error code, else it
-- counts as a bad body.
bad = 0
wrk.headers["x-stack-override-error-status"] = "true"
function expect_error(status, code)
  function response(_, headers, _)
    if headers["x-stack-actual-status"] ~= tostring(status) or
        headers["x-stack-known-error"] ~= code then
      bad = bad + 1
    end
  end
end
